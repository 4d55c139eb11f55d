import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { Quota } from '@tally/api-contract';
import { ApiError } from '../../common/api-error';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DatabaseService } from '../../database/database.service';
import {
  EXPIRED_HOLDS_SQL,
  FORGET_HOLDS_SQL,
  RELEASE_SQL,
  RENEW_HOLDS_SQL,
} from './holds.sql';
import type { ModelPrices } from '../models/cost';
import { ENSURE_COUNTERS_SQL, RESERVE_PARAMS, reserveSql } from './limits.sql';
import {
  type AppliedLimit,
  type LimitRow,
  plusHold,
  sortLimits,
  toLimit,
} from './quota';
import { refusingLimit } from './refusal';
import { type Rider, withRider } from './rider';
import { type StreamSlot, StreamSlotsService } from './stream-slots.service';
import { type LimitContext, type Sender, UsageService } from './usage.service';

/** What a send asks to reserve. */
export interface ReserveRequest extends Sender {
  /** Estimated prompt tokens. */
  promptTokens: number;
  /** The largest output cap wanted; the limits may leave less. */
  maxOutputTokens: number;
  /** The model's prices, micro-dollars per token (0 for none). */
  inputPrice?: number;
  outputPrice?: number;
  /** A stream slot to take with the hold: its acquisition id (unique per send); none if absent. */
  slotId?: string;
  /** Answers the user may have in progress at once (with `slotId`). */
  maxStreams?: number;
  /** What the caller stores with the admission, in its statement (rider.ts). */
  rider?: Rider<unknown>;
}

/** Every stream slot of the user is in use: nothing was taken or reserved. */
export class NoFreeSlot extends Error {
  constructor() {
    super('Every stream slot of the user is in use');
  }
}

/**
 * What an admitted send holds on every counter it charges: one message,
 * `promptTokens + outputCap` tokens and their cost, until it is settled.
 */
export interface Reservation {
  holdId: string;
  userId: string;
  model: string | null;
  apiKeyId: string | null;
  /** The quota day (YYYY-MM-DD in quota_timezone) the send is charged to. */
  day: string;
  promptTokens: number;
  /** The output cap to send upstream as max_tokens. */
  outputCap: number;
  /** The output cap the send asked for (the model's and instance's); more than `outputCap` when a limit left less. */
  askedOutputCap: number;
  /** The model's prices the send was admitted at, micro-dollars per token. */
  prices: ModelPrices;
  /** Micro-dollars held for the answer. */
  costHold: number;
  /** Every limit that applies, right after reserving. */
  limits: AppliedLimit[];
  /** The windows the send was admitted in. */
  context: LimitContext;
  /** The caller's quota right after reserving. */
  quota: Quota;
  /** Who sends (for a threshold alert about their use). */
  who?: { email: string; name: string };
  /** The stream slot taken with the hold, when one was asked for. */
  slot?: StreamSlot;
  /** What the admission's rider stored (its `read`), when it had one. */
  admitted?: unknown;
}

/** What a settle moves into the counters: 1 message and the tokens used, or nothing. */
export interface HoldCharge {
  messages: number;
  tokens: number;
  /** The same tokens, split, for the ledger per model. */
  promptTokens?: number;
  completionTokens?: number;
  /** Micro-dollars. */
  cost?: number;
  /** The model that answered; null/absent: no per-model ledger row. */
  model?: string | null;
}

interface ReserveRow {
  slot: number | null;
  live_slots: number;
  complete: boolean;
  hold_id: string | null;
  output_cap: number | string | null;
  cost_hold: number | string | null;
  limits: LimitRow[];
  rider?: unknown;
}

/**
 * The quota holds of sends in progress (`usage_holds`): the reserve, renew
 * and reap statements of limits.sql.ts and holds.sql.ts, run (the settle:
 * settle.service.ts). Stateless: what this
 * process holds is the admission leases' business.
 */
@Injectable()
export class HoldsService {
  private readonly logger = new Logger('Usage');

  constructor(
    private readonly db: DatabaseService,
    private readonly usage: UsageService,
    private readonly slots: StreamSlotsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Takes a stream slot (when `slotId` is given) and atomically checks
   * every limit that applies and reserves on all of them, in one
   * statement. Throws NoFreeSlot when every slot of the user is in use
   * (nothing taken), or ApiError 429 (QUOTA_*) naming the limit that
   * refused, with the quota and headers (the slot given back).
   */
  async reserve(r: ReserveRequest): Promise<Reservation> {
    const prompt = Math.max(0, Math.ceil(r.promptTokens));
    const maxOutput = Math.max(1, Math.floor(r.maxOutputTokens));
    const inputPrice = r.inputPrice ?? 0;
    const outputPrice = r.outputPrice ?? 0;
    const prices: ModelPrices = { inputPrice, outputPrice };
    const sender: Sender = {
      userId: r.userId,
      model: r.model,
      apiKeyId: r.apiKeyId ?? null,
    };
    // Each turn either admits, refuses, or changed nothing but what it
    // retries for: counters missing at the start of a window (created,
    // then again), or a slot a concurrent send of the same user (in another
    // process: UserQueue runs one admission per user at a time in this one)
    // took first. Then the slot is taken on its own statement, which tries
    // every free one, and the hold without it: retrying the whole statement
    // would wait behind each of that user's admissions in turn.
    const maxStreams = r.slotId ? (r.maxStreams ?? 1) : null;
    /** A slot taken on its own, kept over the turns. */
    let own: StreamSlot | null = null;
    const giveBack = async (slot: StreamSlot | undefined) => {
      if (slot)
        await this.slots
          .release([slot.id])
          .catch((err: Error) =>
            this.logger.warn(`Could not release a stream slot: ${err.message}`),
          );
    };
    const statement = withRider(
      'tally_admit_v2',
      reserveSql,
      RESERVE_PARAMS,
      r.rider ?? null,
    );
    for (let attempt = 0; attempt <= 3; attempt++) {
      const ctx = await this.usage.context();
      const base = UsageService.params(sender, ctx);
      const takeSlot = r.slotId !== undefined && own === null;
      // Prepared: planning this statement costs more than running it.
      const [row] = await this.db
        .prepared<ReserveRow>(...statement, [
          ...base,
          prompt,
          maxOutput,
          inputPrice,
          outputPrice,
          this.config.quota.holdTtlSeconds,
          takeSlot ? r.slotId : null,
          takeSlot ? maxStreams : null,
          ...(r.rider?.params ?? []),
        ])
        .catch(async (err: unknown) => {
          await giveBack(own ?? undefined);
          throw err;
        });
      let slot: StreamSlot | undefined = own ?? undefined;
      if (takeSlot && r.slotId && maxStreams !== null) {
        if (row.slot === null) {
          if (Number(row.live_slots) >= maxStreams) throw new NoFreeSlot();
          own = await this.slots.acquire(r.userId, r.slotId, maxStreams);
          if (!own) throw new NoFreeSlot();
          attempt--;
          continue;
        }
        slot = { id: r.slotId, userId: r.userId, slot: Number(row.slot) };
      }
      if (!row.complete) {
        // First send of a window (or to a new limit): create its counters, then again.
        if (takeSlot && slot) await this.slots.release([slot.id]);
        await this.db.query(ENSURE_COUNTERS_SQL, base);
        continue;
      }
      const before = sortLimits(
        row.limits.map((l) => toLimit(l, ctx.windows, prices)),
      );
      if (row.hold_id) {
        const outputCap = Number(row.output_cap);
        const costHold = Number(row.cost_hold);
        const limits = plusHold(before, {
          messages: 1,
          tokens: prompt + outputCap,
          cost: costHold,
        });
        return {
          holdId: row.hold_id,
          userId: r.userId,
          model: r.model,
          apiKeyId: r.apiKeyId ?? null,
          day: ctx.windows.day.start,
          promptTokens: prompt,
          outputCap,
          askedOutputCap: maxOutput,
          prices,
          costHold,
          limits,
          context: ctx,
          quota: this.usage.quotaOf(limits, ctx, r.model),
          slot,
          admitted: r.rider?.read(row.rider ?? null),
        };
      }
      await giveBack(slot);
      const refusing = refusingLimit(before, prompt, inputPrice, outputPrice);
      const quota = this.usage.quotaOf(before, ctx, r.model);
      if (refusing) throw this.usage.refusal(refusing, quota);
      throw new Error('A send was refused by no limit');
    }
    await giveBack(own ?? undefined);
    throw new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'DATABASE_UNAVAILABLE',
      'The limits changed while the send was admitted; send again',
    );
  }

  /** Keeps the holds of sends still in progress alive for another TTL. */
  async renew(holdIds: string[]): Promise<void> {
    if (holdIds.length === 0) return;
    await this.db.query(RENEW_HOLDS_SQL, [
      holdIds.join(','),
      this.config.quota.holdTtlSeconds,
    ]);
  }

  /**
   * Releases expired holds (of processes that died), one statement each so
   * that each locks as a settle does; returns how many.
   */
  async reapExpired(): Promise<number> {
    const expired = await this.db.query<{ id: string }>(EXPIRED_HOLDS_SQL);
    let holds = 0;
    for (const { id } of expired) {
      const [row] = await this.db.query<{ counters: number }>(RELEASE_SQL, [
        id,
      ]);
      if (Number(row?.counters ?? 0) > 0) holds++;
    }
    await this.db.query(FORGET_HOLDS_SQL);
    if (holds > 0) this.logger.warn(`Released ${holds} expired quota hold(s)`);
    return holds;
  }
}
