import {
  type BeforeApplicationShutdown,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Quota } from '@tally/api-contract';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../common/api-error';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import {
  type HoldCharge,
  HoldsService,
  NoFreeSlot,
  type Reservation,
} from './holds.service';
import { type Committed, Lease, type LeaseOwner, type Stored } from './lease';
import { type CounterRow, fromCounters } from './quota';
import { LimitsService } from './limits.service';
import type { Rider } from './rider';
import { SettleService } from './settle.service';
import { StreamSlotsService } from './stream-slots.service';
import { UsageService } from './usage.service';
import { UserQueue } from './user-queue';

/**
 * What a send asks to be admitted with. An options object, so that it can
 * grow (the model, its prices and caps).
 */
export interface AdmitOptions {
  userId: string;
  /** Who sends, as a threshold alert about their own use names them. */
  user?: { email: string; name: string };
  /** The model the send goes to, with its prices (micro-dollars per token). */
  model: { id: string; inputPrice: number; outputPrice: number } | null;
  /** The API key the request came with: its own limits apply too. */
  apiKeyId?: string | null;
  /** Estimated prompt tokens (system prompt, history and the new message). */
  promptTokens: number;
  /** The largest output cap wanted; the limits may leave less. */
  maxOutputTokens: number;
  /** Answers the user may have in progress at once; default: the setting. */
  maxStreams?: number;
  /** Fires when the client leaves: before the answer starts, the lease gives everything back. */
  signal?: AbortSignal;
  /** What the caller stores with the admission, in its statement (rider.ts): see `Lease.admitted`. */
  rider?: Rider<unknown>;
}

/** The client left while its send was being admitted: nobody is left to answer. */
export class ClientGoneError extends HttpException {
  constructor() {
    super('Client closed request', 499);
  }
}

/**
 * The one way into an answer: `admit` takes a stream slot (429
 * `TOO_MANY_STREAMS`, nothing charged) and reserves the quota (429
 * `QUOTA_*`) in one statement, and returns one Lease that holds both until
 * it is settled or released (one statement again, in the transaction that
 * stores the answer). A user's admissions and settles run one at a time in
 * this process (UserQueue). One heartbeat keeps the slots and holds of this process's
 * leases alive, retries settles that failed, and reaps the expired holds and
 * slots of processes that died.
 */
@Injectable()
export class AdmissionService
  implements
    LeaseOwner,
    OnApplicationBootstrap,
    BeforeApplicationShutdown,
    OnApplicationShutdown
{
  private readonly logger = new Logger('Admission');
  private readonly live = new Set<Lease>();
  private timer: NodeJS.Timeout | null = null;
  private beat: Promise<void> | null = null;
  private draining = false;
  private graceTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly holds: HoldsService,
    private readonly settler: SettleService,
    private readonly queue: UserQueue,
    private readonly slots: StreamSlotsService,
    private readonly limits: LimitsService,
    private readonly usage: UsageService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Admits a send or throws: 429 `TOO_MANY_STREAMS` / `QUOTA_*` (with the
   * quota and the RateLimit headers), or ClientGoneError when `signal`
   * fired meanwhile. Whatever was taken goes back when it throws.
   */
  async admit(o: AdmitOptions): Promise<Lease> {
    if (this.draining) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'SHUTTING_DOWN',
        'The server is shutting down; send again in a moment',
        {},
        { 'Retry-After': '5' },
      );
    }
    const max = o.maxStreams ?? (await this.limits.streamsPerUser());
    const slotId = randomUUID();
    let reservation: Reservation;
    try {
      reservation = await this.queue.run(o.userId, () =>
        this.holds.reserve({
          userId: o.userId,
          model: o.model?.id ?? null,
          apiKeyId: o.apiKeyId ?? null,
          promptTokens: o.promptTokens,
          maxOutputTokens: o.maxOutputTokens,
          inputPrice: o.model?.inputPrice ?? 0,
          outputPrice: o.model?.outputPrice ?? 0,
          slotId,
          maxStreams: max,
          rider: o.rider,
        }),
      );
    } catch (err) {
      if (err instanceof NoFreeSlot) {
        this.metrics.quotaRejections.inc({ code: 'TOO_MANY_STREAMS' });
        throw new ApiError(
          HttpStatus.TOO_MANY_REQUESTS,
          'TOO_MANY_STREAMS',
          `At most ${max} answers can be in progress at once; wait for one to finish`,
          {},
          await this.rateLimitHeaders(o),
        );
      }
      if (err instanceof ApiError && err.getStatus() === 429) {
        this.metrics.quotaRejections.inc({ code: err.code });
      }
      throw err;
    }
    const slot = reservation.slot ?? { id: slotId, userId: o.userId, slot: 0 };
    const lease = new Lease(this, { ...reservation, who: o.user }, slot);
    this.live.add(lease);
    if (o.signal) {
      if (o.signal.aborted) {
        await lease.release();
        throw new ClientGoneError();
      }
      o.signal.addEventListener('abort', () => lease.clientGone(), {
        once: true,
      });
    }
    return lease;
  }

  /** The caller's RateLimit headers, for a refusal that reserved nothing; none if the quota cannot be read. */
  private async rateLimitHeaders(
    o: AdmitOptions,
  ): Promise<Record<string, string>> {
    try {
      return this.usage.rateLimitHeaders(
        await this.usage.getQuota(o.userId, o.model?.id ?? null, o.apiKeyId),
      );
    } catch {
      return {};
    }
  }

  // LeaseOwner: what a lease asks of the database.

  commit<T>(
    lease: Lease,
    charge: HoldCharge,
    store: Stored<T> | null,
  ): Promise<Committed<T>> {
    // The settle deletes the hold, so only the first settle of a send finds
    // it, and the answer is stored only then. Either both commit or
    // neither: a crash in between leaves the hold to the reaper and nothing
    // stored (issue 13).
    return this.queue.run(lease.userId, () =>
      this.settler.commit(
        {
          holdId: lease.holdId,
          slotId: lease.slot.id,
          reservation: lease.reservation,
        },
        charge,
        store,
      ),
    );
  }

  /** Gives the slot back on its own, when the settle's transaction (which does it too) failed. */
  freeSlot(lease: Lease): Promise<void> {
    return this.slots.release([lease.slot.id]);
  }

  forget(lease: Lease): void {
    this.live.delete(lease);
  }

  /** The quota after a settle: from the counters it returned, else read again. */
  async quotaAfter(
    lease: Lease,
    counters: CounterRow[] | null,
  ): Promise<Quota> {
    const r = lease.reservation;
    const now = await this.usage.context();
    // Still the windows it was admitted in: the counters say it all.
    const same = (['day', 'week', 'month'] as const).every(
      (w) => now.windows[w].start === r.context.windows[w].start,
    );
    if (counters && same && now.timezone === r.context.timezone) {
      return this.usage.quotaOf(fromCounters(r.limits, counters), now, r.model);
    }
    return this.usage.getQuota(r.userId, r.model, r.apiKeyId);
  }

  /** Releases expired holds (of processes that died); returns how many. */
  reapExpired(): Promise<number> {
    return this.holds.reapExpired();
  }

  /**
   * One beat: retries failed settles, renews the slots and holds of this
   * process's leases, reaps expired holds and forgets long-expired slots.
   */
  async heartbeat(): Promise<void> {
    const leases = [...this.live];
    for (const lease of leases) await lease.retry().catch(() => undefined);
    await this.holds.renew(
      leases.filter((l) => l.holdsReservation).map((l) => l.holdId),
    );
    await this.slots.renew(
      leases.filter((l) => l.holdsSlot).map((l) => l.slot.id),
    );
    await this.holds.reapExpired();
    await this.slots.forgetExpired();
  }

  onApplicationBootstrap(): void {
    const every = this.config.quota.holdHeartbeatSeconds * 1000;
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
    this.tick();
  }

  /**
   * Shutdown (SIGTERM) begins: no more admissions; answers in progress may
   * go on for `SHUTDOWN_GRACE_SECONDS`, then they are cut (each is stored
   * `cancelled` and charged what it used). Runs before the HTTP server
   * closes, which then waits for those answers to end.
   */
  beforeApplicationShutdown(): void {
    this.draining = true;
    const grace = this.config.shutdownGraceSeconds;
    this.graceTimer = setTimeout(() => {
      const answering = [...this.live].filter((l) => !l.ended);
      if (answering.length > 0) {
        this.logger.warn(
          `Shutdown grace time (${grace} s) is over: cutting ${answering.length} answer(s) in progress`,
        );
      }
      for (const lease of answering) lease.cutNow();
    }, grace * 1000);
    this.graceTimer.unref();
  }

  /**
   * Runs once the HTTP server has closed (after the answers in progress on
   * shutdown have ended), so until then their slots and holds are renewed.
   * Slots still held go back; holds still held are left to the reaper.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.timer = null;
    await this.beat;
    const slots = [...this.live]
      .filter((l) => l.holdsSlot)
      .map((l) => l.slot.id);
    await this.slots.release(slots).catch(() => undefined);
  }

  private tick(): void {
    if (this.beat) return;
    this.beat = this.heartbeat()
      .catch((err: Error) =>
        this.logger.warn(`Quota heartbeat failed: ${err.message}`),
      )
      .finally(() => (this.beat = null));
  }
}
