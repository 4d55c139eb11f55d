import { HttpStatus, Injectable } from '@nestjs/common';
import type { Quota } from '@tally/api-contract';
import { ApiError, notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { SettingsService } from '../settings/settings.service';
import { Clock } from './clock';
import { type AuthRow, authColumns } from '../users/users.service';
import type { ModelPrices } from '../models/cost';
import { ModelsService, unknownModel } from '../models/models.service';
import type { CallerQuota } from './caller-quota';
import { QUOTA_SQL, quotaWithUserSql } from './limits.sql';
import {
  type AppliedLimit,
  type LimitRow,
  rateLimitHeaders,
  toLimit,
  toQuota,
  toQuotaLimit,
} from './quota';
import { quotaDay, secondsUntil } from './quota-day';
import { type Windows, windowsAt } from './windows';

/** The quota day in force: its date, when the next one starts, and the zone. */
export interface QuotaDay {
  day: string;
  resetsAt: number;
  timezone: string;
}

/** The windows in force at one instant: what every limit statement is run with. */
export interface LimitContext {
  now: number;
  timezone: string;
  windows: Windows;
}

/** Who sends, to which model: what decides which limits apply. */
export interface Sender {
  userId: string;
  /** null: only the limits over all models. */
  model: string | null;
  apiKeyId?: string | null;
}

export type QuotaCode =
  | 'QUOTA_MESSAGES_EXCEEDED'
  | 'QUOTA_TOKENS_EXCEEDED'
  | 'QUOTA_COST_EXCEEDED';

const CODES: Record<AppliedLimit['metric'], QuotaCode> = {
  messages: 'QUOTA_MESSAGES_EXCEEDED',
  tokens: 'QUOTA_TOKENS_EXCEEDED',
  cost: 'QUOTA_COST_EXCEEDED',
};

/** A model's prices as the quota statements read them (numeric: a number or its text). */
interface PriceRow {
  inputPrice: number | string;
  outputPrice: number | string;
}

const pricesOf = (p: PriceRow | null): ModelPrices | null =>
  p
    ? { inputPrice: Number(p.inputPrice), outputPrice: Number(p.outputPrice) }
    : null;

/** The quota read with the caller's row: the columns every request's user lookup reads. */
const QUOTA_WITH_USER_SQL = quotaWithUserSql(authColumns());

const WINDOW_WORDS = { day: 'daily', week: 'weekly', month: 'monthly' };
const METRIC_WORDS = { messages: 'message', tokens: 'token', cost: 'cost' };

/**
 * Reading quotas: the windows in force, the limits that apply to a sender
 * with their counters, the RateLimit headers and the 429 of a refusal.
 * Usage lives in its own counters (`usage_counters`), so reading a quota
 * costs a few indexed rows whatever the message history, and deleting chats
 * or messages gives nothing back. Admission (reserve, settle, holds, slots)
 * is AdmissionService's.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly db: DatabaseService,
    private readonly settings: SettingsService,
    private readonly clock: Clock,
    private readonly models: ModelsService,
  ) {}

  /** The quota day at the clock's now, in the configured zone. */
  async today(): Promise<QuotaDay> {
    const timezone = await this.settings.value('quota_timezone');
    return { ...quotaDay(this.clock.now(), timezone), timezone };
  }

  /** The day, week and month at the clock's now, in the configured zone. */
  async context(): Promise<LimitContext> {
    const timezone = await this.settings.value('quota_timezone');
    const now = this.clock.now();
    return { now, timezone, windows: windowsAt(now, timezone) };
  }

  /** The parameters $1..$7 of the limit statements (limits.sql.ts). */
  static params(s: Sender, c: LimitContext): unknown[] {
    return [
      s.userId,
      s.model,
      s.apiKeyId ?? null,
      c.windows.day.start,
      c.windows.week.start,
      c.windows.month.start,
      new Date(c.now).toISOString(),
    ];
  }

  /** Every limit that applies to the sender, with its use now; 404 when there is no such user. */
  async limitsOf(s: Sender, c?: LimitContext): Promise<AppliedLimit[]> {
    const ctx = c ?? (await this.context());
    // Prepared: every open chat polls this, and planning it costs more than running it.
    const [row] = await this.db.prepared<{
      limits: LimitRow[];
      prices: PriceRow | null;
    }>('tally_quota_v2', QUOTA_SQL, UsageService.params(s, ctx));
    if (!row) throw notFound('User');
    const prices = pricesOf(row.prices);
    return row.limits.map((r) => toLimit(r, ctx.windows, prices));
  }

  /** The sender's quota (API.md `Quota`); 404 when there is no such user. */
  async getQuota(
    userId: string,
    model: string | null = null,
    apiKeyId: string | null = null,
  ): Promise<Quota> {
    const ctx = await this.context();
    const limits = await this.limitsOf({ userId, model, apiKeyId }, ctx);
    return this.quotaOf(limits, ctx, model);
  }

  /**
   * The caller's row (as users.service `findForAuth` reads it) and their
   * quota for sends to `requested` (default: the setting `default_model`),
   * in one statement; null when there is no such user. AuthGuard checks the
   * row, and `callerQuota` answers from the rest.
   */
  async withUser(
    userId: string,
    requested: string | undefined,
  ): Promise<{ user: AuthRow; quota: CallerQuota } | null> {
    const model = await this.models.quotaModelUnchecked(requested);
    const ctx = await this.context();
    const [row] = await this.db.prepared<
      AuthRow & {
        model_enabled: boolean;
        limits: LimitRow[];
        prices: PriceRow | null;
      }
    >(
      'tally_quota_with_user_v2',
      QUOTA_WITH_USER_SQL,
      UsageService.params({ userId, model, apiKeyId: null }, ctx),
    );
    if (!row) return null;
    const { model_enabled, limits, prices, ...user } = row;
    return {
      user,
      quota: {
        requested,
        model,
        ctx,
        limits,
        prices: pricesOf(prices),
        modelEnabled: model_enabled,
      },
    };
  }

  /**
   * `GET /api/chats/quota`: the caller's quota for sends to `requested`
   * (400 `UNKNOWN_MODEL` unless an enabled model; default: the setting
   * `default_model`). From what AuthGuard read with the caller when it did
   * (`read`, for the same `?model=`), else read now.
   */
  async callerQuota(
    caller: { id: string; apiKeyId: string | null },
    requested: string | undefined,
    read: CallerQuota | undefined,
  ): Promise<Quota> {
    if (!read || read.requested !== requested) {
      const model = await this.models.quotaModel(requested);
      return this.getQuota(caller.id, model, caller.apiKeyId);
    }
    if (requested !== undefined && !read.modelEnabled)
      throw unknownModel(requested);
    const limits = read.limits.map((r) =>
      toLimit(r, read.ctx.windows, read.prices),
    );
    return this.quotaOf(limits, read.ctx, read.model);
  }

  /** API.md's `Quota` from limits read at `ctx`. */
  quotaOf(
    limits: AppliedLimit[],
    ctx: LimitContext,
    model: string | null,
  ): Quota {
    return toQuota(limits, ctx.windows, ctx.timezone, model);
  }

  /** `RateLimit-Policy` and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers-11) for a quota. */
  rateLimitHeaders(quota: Quota): Record<string, string> {
    return rateLimitHeaders(quota, this.clock.now());
  }

  /**
   * The 429 of a send over `limit`: its code after the limit's metric, the
   * quota, the limit, `Retry-After` (to the limit's reset) and the RateLimit
   * headers.
   */
  refusal(limit: AppliedLimit, quota: Quota): ApiError {
    const code = CODES[limit.metric];
    const what = limit.model ? ` for ${limit.model}` : '';
    const kind = `${WINDOW_WORDS[limit.window]} ${METRIC_WORDS[limit.metric]} limit${what}`;
    const whose = limit.shared
      ? `shared ${kind}` +
        (limit.subject_name ? ` of ${limit.subject_name}` : '')
      : limit.subject === 'api_key'
        ? `API key's ${kind}`
        : kind;
    const message =
      `${whose[0].toUpperCase()}${whose.slice(1)} reached (${limit.limit}); ` +
      `it resets at ${limit.resets_at}`;
    const now = this.clock.now();
    return new ApiError(
      HttpStatus.TOO_MANY_REQUESTS,
      code,
      message,
      { quota, limit: toQuotaLimit(limit) },
      {
        'Retry-After': String(secondsUntil(Date.parse(limit.resets_at), now)),
        ...rateLimitHeaders(quota, now),
      },
    );
  }
}
