import { HttpStatus, Injectable } from '@nestjs/common';
import type { Quota } from '@tally/api-contract';
import { ApiError, notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { SettingsService } from '../settings/settings.service';
import { Clock } from './clock';
import { QUOTA_SQL } from './limits.sql';
import { rateLimitHeaders, toQuota } from './quota';
import { quotaDay, secondsUntil } from './quota-day';

/** The quota day in force: its date, when the next one starts, and the zone. */
export interface QuotaDay {
  day: string;
  resetsAt: number;
  timezone: string;
}

/** A user's counters of one day and the limits that apply, as the statements return them. */
export interface CountersRow {
  messages: number;
  held_messages: number;
  tokens: number;
  held_tokens: number;
  messages_limit: number;
  tokens_limit: number;
}

export type QuotaCode = 'QUOTA_MESSAGES_EXCEEDED' | 'QUOTA_TOKENS_EXCEEDED';

/**
 * Reading quotas: the quota day, a user's counters and limits, the
 * RateLimit headers and the 429 of a refusal. Usage lives in its own table
 * (`usage_daily`), so reading a quota costs one indexed row whatever the
 * message history, and deleting chats or messages gives nothing back.
 * Admission (reserve, settle, holds, slots) is AdmissionService's.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly db: DatabaseService,
    private readonly settings: SettingsService,
    private readonly clock: Clock,
  ) {}

  /** The quota day at the clock's now, in the configured zone. */
  async today(): Promise<QuotaDay> {
    const timezone = await this.settings.value('quota_timezone');
    return { ...quotaDay(this.clock.now(), timezone), timezone };
  }

  /** The user's quota for today; 404 when there is no such user. */
  async getQuota(userId: string): Promise<Quota> {
    const today = await this.today();
    const [row] = await this.db.query<CountersRow>(QUOTA_SQL, [
      userId,
      today.day,
    ]);
    if (!row) throw notFound('User');
    return this.quotaOf(row, today);
  }

  /** API.md's `Quota` from a counters row of `today`. */
  quotaOf(row: CountersRow, today: QuotaDay): Quota {
    return toQuota(
      {
        messages: Number(row.messages),
        heldMessages: Number(row.held_messages),
        tokens: Number(row.tokens),
        heldTokens: Number(row.held_tokens),
        messagesLimit: Number(row.messages_limit),
        tokensLimit: Number(row.tokens_limit),
      },
      today.resetsAt,
      today.timezone,
    );
  }

  /** `RateLimit-Policy` and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers-11) for a quota. */
  rateLimitHeaders(quota: Quota): Record<string, string> {
    return rateLimitHeaders(quota, this.clock.now());
  }

  /** The 429 of a send over a limit: the quota, `Retry-After` and the RateLimit headers. */
  refusal(code: QuotaCode, quota: Quota): ApiError {
    const message =
      code === 'QUOTA_MESSAGES_EXCEEDED'
        ? `Daily message limit reached (${quota.messages.limit}); it resets at ${quota.resets_at}`
        : `Daily token limit reached (${quota.tokens.limit}); it resets at ${quota.resets_at}`;
    const now = this.clock.now();
    return new ApiError(
      HttpStatus.TOO_MANY_REQUESTS,
      code,
      message,
      { quota },
      {
        'Retry-After': String(secondsUntil(Date.parse(quota.resets_at), now)),
        ...rateLimitHeaders(quota, now),
      },
    );
  }
}
