import { Logger } from '@nestjs/common';
import type { CutBy, Quota } from '@tally/api-contract';
import type { Tx } from '../../database/database.service';
import type { HoldCharge, Reservation } from './holds.service';
import type { CounterRow } from './quota';
import type { Rider } from './rider';
import type { StreamSlot } from './stream-slots.service';

/**
 * What an answer used, to charge when its lease is settled. An object so
 * that it can grow (the model, its prices, a cost in micro-dollars).
 */
export interface Charge {
  promptTokens: number;
  completionTokens: number;
  /** False when the provider failed before producing any text: the message is not charged. */
  charged: boolean;
  /** The model that answered, for the counters per model. */
  model?: string;
  /** What the answer cost, in micro-dollars (its model's prices at send time). */
  cost?: number;
}

/**
 * Stores what the answer used (its message, a request row) inside the
 * settle's transaction, through `tx` only. Runs only when this settle is the
 * one that counts, so the stored answer and the charge go together. A Rider
 * (rider.ts) does the same inside the settle's own statement, which saves
 * the transaction's BEGIN and COMMIT and a round trip.
 */
export type Store<T> = (tx: Tx) => Promise<T>;

/** What a settle stores with it: statements in its transaction, or a rider on its statement. */
export type Stored<T> = Store<T> | Rider<T>;

/** How a settle ended. */
export interface Settled<T> {
  /** The user's quota right after. */
  quota: Quota;
  /** What `store` returned; null when it did not run (already settled, or failed). */
  stored: T | null;
  /** Why the transaction failed (null: it committed). It is retried by the heartbeat. */
  error: unknown;
}

/** What a settle's transaction did: the counters after it (null: not this settle's to count) and what `store` returned. */
export interface Committed<T> {
  counters: CounterRow[] | null;
  stored: T | null;
}

/** What AdmissionService does for its leases; the lease decides when, and that it happens once. */
export interface LeaseOwner {
  /** At once: the settle statement (which frees the slot too) and `store` if the settle counted. */
  commit<T>(
    lease: Lease,
    charge: HoldCharge,
    store: Stored<T> | null,
  ): Promise<Committed<T>>;
  /** Frees the slot alone (when the settle's transaction failed). */
  freeSlot(lease: Lease): Promise<void>;
  /** The lease has nothing left to do in the database. */
  forget(lease: Lease): void;
  /** The quota after the settle, from the counters it returned (or read again). */
  quotaAfter(lease: Lease, counters: CounterRow[] | null): Promise<Quota>;
}

const NOT_CHARGED: Charge = {
  promptTokens: 0,
  completionTokens: 0,
  charged: false,
};

const whole = (n: number) =>
  Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0;

/**
 * One admitted send, from admission to settlement: it holds the stream slot
 * and the quota reservation. `settle` and `release` are idempotent and only
 * the first call of either has any effect; a transaction that fails is kept
 * and retried by the admission heartbeat (the hold stays renewed meanwhile),
 * and since the settle statement deletes the hold it can count only once.
 *
 * Until `start()` (the answer takes it over), a client that leaves makes the
 * lease give everything back by itself.
 */
export class Lease {
  private readonly logger = new Logger('AdmissionLease');
  private started = false;
  private ending: Promise<Settled<unknown>> | null = null;
  /** A settle whose transaction failed, for the heartbeat to retry. */
  private pending: {
    charge: HoldCharge;
    store: Stored<unknown> | null;
  } | null = null;
  private retrying: Promise<void> | null = null;
  private slotHeld = true;
  private readonly cutter = new AbortController();

  constructor(
    private readonly owner: LeaseOwner,
    readonly reservation: Reservation,
    readonly slot: StreamSlot,
  ) {}

  get userId(): string {
    return this.reservation.userId;
  }
  get holdId(): string {
    return this.reservation.holdId;
  }
  get day(): string {
    return this.reservation.day;
  }
  get promptTokens(): number {
    return this.reservation.promptTokens;
  }
  /** The output cap to send upstream. */
  get outputCap(): number {
    return this.reservation.outputCap;
  }
  /**
   * Which cap a complete answer that ended for `finishReason` met: none
   * unless it ended at its length (`length`, also what the cap's own cut
   * says); `limit` when a limit left less than the send asked for, else
   * the model's or instance's own (`max_output`).
   */
  cutBy(finishReason: string | null): CutBy | null {
    if (finishReason !== 'length') return null;
    return this.outputCap < this.reservation.askedOutputCap
      ? 'limit'
      : 'max_output';
  }
  /**
   * `usage`, never more than this lease holds: prompt tokens up to the
   * prompt estimate admitted, completion tokens up to the output cap (the
   * provider adapter already bounds what a provider reports; an estimate of
   * an ending can pass the cap by a token where text and tool calls meet).
   * What is charged and what is stored with it are this.
   */
  bound<U extends { promptTokens: number; completionTokens: number }>(
    usage: U,
  ): U {
    const promptTokens = Math.min(usage.promptTokens, this.promptTokens);
    const completionTokens = Math.min(usage.completionTokens, this.outputCap);
    if (
      promptTokens === usage.promptTokens &&
      completionTokens === usage.completionTokens
    )
      return usage;
    return {
      ...usage,
      promptTokens,
      completionTokens,
      ...('totalTokens' in usage
        ? { totalTokens: promptTokens + completionTokens }
        : {}),
    };
  }

  /** What the admission's rider stored (AdmitOptions.rider), as its `read` made it. */
  get admitted(): unknown {
    return this.reservation.admitted;
  }
  /** The quota right after admission. */
  get quota(): Quota {
    return this.reservation.quota;
  }
  /** Settled or released (or on its way). */
  get ended(): boolean {
    return this.ending !== null;
  }
  /** The slot is still held (renewed by the heartbeat). */
  get holdsSlot(): boolean {
    return this.slotHeld;
  }
  /** The hold is still ours to keep alive: not settled yet, or a failed settle awaiting its retry. */
  get holdsReservation(): boolean {
    return this.ending === null || this.pending !== null;
  }

  /** Fires when the answer must stop now (the grace time of a shutdown is over). */
  get cut(): AbortSignal {
    return this.cutter.signal;
  }

  /** Asks the answer to stop now; it then ends as it would if its client had left. */
  cutNow(): void {
    this.cutter.abort();
  }

  /** The answer takes the lease over; false when it was already given back (the client left). */
  start(): boolean {
    if (this.ending) return false;
    this.started = true;
    return true;
  }

  /** The client left: before `start()` everything goes back; after it, the answer decides. */
  clientGone(): void {
    if (!this.started) void this.release();
  }

  /**
   * Charges what the answer used, frees the slot and, in the same
   * transaction (or the same statement, for a Rider), stores it (`store`).
   * Exactly once: later calls change nothing and resolve like the first.
   */
  settle<T>(charge: Charge, store?: Stored<T>): Promise<Settled<T>> {
    this.ending ??= this.end(charge, (store as Stored<unknown>) ?? null);
    return this.ending as Promise<Settled<T>>;
  }

  /** Gives everything back, charging nothing (unless already settled). */
  release(): Promise<Settled<unknown>> {
    this.ending ??= this.end(NOT_CHARGED, null);
    return this.ending;
  }

  /** Retries a failed settle's transaction; for the heartbeat. */
  retry(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    const { charge, store } = this.pending;
    this.retrying ??= this.owner
      .commit(this, charge, store)
      .then(() => {
        this.pending = null;
        this.owner.forget(this);
      })
      .finally(() => (this.retrying = null));
    return this.retrying;
  }

  private async end(
    charge: Charge,
    store: Stored<unknown> | null,
  ): Promise<Settled<unknown>> {
    // Never more than the hold, whatever the caller counted.
    const { promptTokens, completionTokens } = this.bound({
      promptTokens: whole(charge.promptTokens),
      completionTokens: whole(charge.completionTokens),
    });
    const hold: HoldCharge = charge.charged
      ? {
          messages: 1,
          tokens: promptTokens + completionTokens,
          promptTokens,
          completionTokens,
          cost: Math.min(whole(charge.cost ?? 0), this.reservation.costHold),
          model: charge.model ?? null,
        }
      : { messages: 0, tokens: 0 };
    let stored: unknown = null;
    let counters: CounterRow[] | null = null;
    let error: unknown = null;
    try {
      ({ stored, counters } = await this.owner.commit(this, hold, store));
    } catch (err) {
      error = err;
      this.pending = { charge: hold, store };
      this.logger.error(
        `Could not settle a quota hold (retried by the heartbeat): ${(err as Error).message}`,
      );
    }
    // The settle's transaction gave the slot back; if it failed, give it back alone.
    this.slotHeld = false;
    if (error)
      await this.owner
        .freeSlot(this)
        .catch((err: Error) =>
          this.logger.warn(`Could not release a stream slot: ${err.message}`),
        );
    if (!this.pending) this.owner.forget(this);
    const quota = await this.owner
      .quotaAfter(this, counters)
      .catch(() => this.reservation.quota);
    return { quota, stored, error };
  }
}
