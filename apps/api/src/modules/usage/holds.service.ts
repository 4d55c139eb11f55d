import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Quota } from '@tally/api-contract';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DatabaseService, type Tx } from '../../database/database.service';
import {
  REAP_SQL,
  RENEW_HOLDS_SQL,
  RESERVE_SQL,
  SETTLE_SQL,
} from './limits.sql';
import { type CountersRow, UsageService } from './usage.service';

/**
 * What an admitted send holds: one message and `promptTokens + outputCap`
 * tokens, until it is settled.
 */
export interface Reservation {
  holdId: string;
  userId: string;
  /** The quota day (YYYY-MM-DD in quota_timezone) the send is charged to. */
  day: string;
  promptTokens: number;
  /** The output cap to send upstream as max_tokens. */
  outputCap: number;
  /** The caller's quota right after reserving. */
  quota: Quota;
}

/** What a settle moves into the counters: 1 message and the tokens used, or nothing. */
export interface HoldCharge {
  messages: number;
  tokens: number;
  /** The same tokens, split, for the counters per model. */
  promptTokens?: number;
  completionTokens?: number;
  /** Micro-dollars. */
  cost?: number;
  /** The model that answered; null/absent: no per-model counter. */
  model?: string | null;
}

interface ReserveRow extends CountersRow {
  hold_id: string;
  output_cap: number;
}

/**
 * The quota holds of sends in progress (`usage_holds`): the reserve, settle,
 * renew and reap statements of limits.sql.ts, run. Stateless: what this
 * process holds is the admission leases' business.
 */
@Injectable()
export class HoldsService {
  private readonly logger = new Logger('Usage');

  constructor(
    private readonly db: DatabaseService,
    private readonly usage: UsageService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Atomically checks and reserves; throws ApiError 429 (QUOTA_*) with the quota and headers when over a limit. */
  async reserve(
    userId: string,
    promptTokens: number,
    maxOutputTokens: number,
  ): Promise<Reservation> {
    const prompt = Math.max(0, Math.ceil(promptTokens));
    const maxOutput = Math.max(1, Math.floor(maxOutputTokens));
    for (let attempt = 1; ; attempt++) {
      const today = await this.usage.today();
      const [row] = await this.db.query<ReserveRow>(RESERVE_SQL, [
        userId,
        today.day,
        prompt,
        maxOutput,
        this.config.quota.holdTtlSeconds,
      ]);
      if (row) {
        return {
          holdId: row.hold_id,
          userId,
          day: today.day,
          promptTokens: prompt,
          outputCap: Number(row.output_cap),
          quota: this.usage.quotaOf(row, today),
        };
      }
      const quota = await this.usage.getQuota(userId);
      const overMessages = quota.messages.used >= quota.messages.limit;
      const overTokens = quota.tokens.remaining <= prompt;
      // Neither: a send in progress was settled in between; try again.
      if (!overMessages && !overTokens && attempt < 3) continue;
      throw this.usage.refusal(
        overMessages ? 'QUOTA_MESSAGES_EXCEEDED' : 'QUOTA_TOKENS_EXCEEDED',
        quota,
      );
    }
  }

  /**
   * Runs the settle statement (in `tx` when given). True when this settle
   * was the one that counted; false when the hold was already settled (or
   * forgotten a day after it was reaped).
   */
  async settle(holdId: string, charge: HoldCharge, tx?: Tx): Promise<boolean> {
    const params = [
      holdId,
      charge.messages,
      charge.tokens,
      charge.cost ?? 0,
      charge.model ?? null,
      charge.promptTokens ?? 0,
      charge.completionTokens ?? 0,
    ];
    const rows = tx
      ? await tx.query(SETTLE_SQL, params)
      : await this.db.query(SETTLE_SQL, params);
    return rows.length > 0;
  }

  /** Keeps the holds of sends still in progress alive for another TTL. */
  async renew(holdIds: string[]): Promise<void> {
    if (holdIds.length === 0) return;
    await this.db.query(RENEW_HOLDS_SQL, [
      holdIds.join(','),
      this.config.quota.holdTtlSeconds,
    ]);
  }

  /** Releases expired holds (of processes that died); returns how many. */
  async reapExpired(): Promise<number> {
    const [row] = await this.db.query<{ holds: number }>(REAP_SQL);
    const holds = Number(row?.holds ?? 0);
    if (holds > 0) this.logger.warn(`Released ${holds} expired quota hold(s)`);
    return holds;
  }
}
