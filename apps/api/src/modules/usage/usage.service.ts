import {
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Quota } from '@tally/api-contract';
import { ApiError, notFound } from '../../common/api-error';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DatabaseService } from '../../database/database.service';
import {
  SETTING_DEFAULTS,
  SettingsService,
} from '../settings/settings.service';
import { Clock } from './clock';
import { rateLimitHeaders, toQuota, type QuotaState } from './quota';
import { quotaDay, secondsUntil } from './quota-day';

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

export interface SettleUsage {
  promptTokens: number;
  completionTokens: number;
  /** False when the provider failed before producing any text: the message is not charged. */
  charged: boolean;
}

/** The quota day in force: its date, when the next one starts, and the zone. */
export interface QuotaDay {
  day: string;
  resetsAt: number;
  timezone: string;
}

/**
 * The default limits from the settings table (seeded by the quota
 * migration), falling back to the built-in defaults if a row is missing.
 */
export const DEFAULT_LIMITS_SQL = `
  SELECT
    coalesce((SELECT (s.value #>> '{}')::numeric FROM settings s
              WHERE s.key = 'default_max_ai_messages_per_day' AND jsonb_typeof(s.value) = 'number'),
             ${SETTING_DEFAULTS.default_max_ai_messages_per_day})::bigint AS messages_limit,
    coalesce((SELECT (s.value #>> '{}')::numeric FROM settings s
              WHERE s.key = 'default_max_ai_tokens_per_day' AND jsonb_typeof(s.value) = 'number'),
             ${SETTING_DEFAULTS.default_max_ai_tokens_per_day})::bigint AS tokens_limit`;

/**
 * Checks and reserves in one statement: one message, the estimated prompt
 * and the output cap `least(max output, limit - used - held - prompt)`.
 * The counter row is created or updated with ON CONFLICT; the DO UPDATE's
 * WHERE is evaluated on the locked, latest version of the row, so concurrent
 * sends from any number of processes (or PGlite's one session) cannot pass
 * the same check twice. The hold is inserted by the same statement.
 * No row back: refused.
 *
 * $1 user, $2 day, $3 estimated prompt tokens, $4 max output tokens, $5 hold TTL (s).
 */
export const RESERVE_SQL = `
  WITH lim AS (
    SELECT coalesce(u.max_ai_messages_per_day, def.messages_limit) AS messages_limit,
           coalesce(u.max_ai_tokens_per_day, def.tokens_limit) AS tokens_limit
    FROM users u CROSS JOIN (${DEFAULT_LIMITS_SQL}) def
    WHERE u.id = $1
  ),
  up AS (
    INSERT INTO usage_daily AS d (user_id, day, held_messages, held_tokens, last_output_cap)
    SELECT $1, $2::date, 1,
           $3::bigint + least($4::bigint, lim.tokens_limit - $3::bigint),
           least($4::bigint, lim.tokens_limit - $3::bigint)
    FROM lim
    WHERE lim.messages_limit > 0 AND lim.tokens_limit > $3::bigint
    ON CONFLICT (user_id, day) DO UPDATE SET
      held_messages = d.held_messages + 1,
      held_tokens = d.held_tokens + $3::bigint
        + least($4::bigint, (SELECT tokens_limit FROM lim) - d.tokens - d.held_tokens - $3::bigint),
      last_output_cap = least($4::bigint, (SELECT tokens_limit FROM lim) - d.tokens - d.held_tokens - $3::bigint)
    WHERE d.messages + d.held_messages < (SELECT messages_limit FROM lim)
      AND (SELECT tokens_limit FROM lim) - d.tokens - d.held_tokens > $3::bigint
    RETURNING d.messages, d.held_messages, d.tokens, d.held_tokens, d.last_output_cap
  ),
  hold AS (
    INSERT INTO usage_holds (user_id, day, messages, tokens, expires_at)
    SELECT $1, $2::date, 1, $3::bigint + up.last_output_cap, now() + make_interval(secs => $5::int)
    FROM up
    RETURNING id
  )
  SELECT hold.id AS hold_id, up.messages, up.held_messages, up.tokens, up.held_tokens,
         up.last_output_cap AS output_cap, lim.messages_limit, lim.tokens_limit
  FROM up, hold, lim`;

/**
 * Settles a hold in one statement: the hold row is deleted (so only the
 * first settle finds it) and moved into the counters of its day: what it
 * held is released (unless the reaper already did) and the real usage is
 * charged. Not charged (0, 0): the message is given back too.
 *
 * $1 hold id, $2 messages to charge (0 or 1), $3 tokens to charge.
 */
export const SETTLE_SQL = `
  WITH h AS (
    DELETE FROM usage_holds WHERE id = $1
    RETURNING user_id, day,
      CASE WHEN released_at IS NULL THEN messages ELSE 0 END AS messages,
      CASE WHEN released_at IS NULL THEN tokens ELSE 0 END AS tokens
  )
  UPDATE usage_daily d SET
    held_messages = d.held_messages - h.messages,
    held_tokens = d.held_tokens - h.tokens,
    messages = d.messages + $2::int,
    tokens = d.tokens + $3::bigint
  FROM h
  WHERE d.user_id = h.user_id AND d.day = h.day
  RETURNING d.messages`;

/**
 * Releases every expired hold (its process died or stalled): the message
 * and the tokens go back, and the hold is marked released so that a late
 * settle still charges what was used. Released holds a day old are deleted.
 * One statement; any number of processes may run it at once.
 */
export const REAP_SQL = `
  WITH gone AS (
    UPDATE usage_holds SET released_at = now()
    WHERE released_at IS NULL AND expires_at < now()
    RETURNING user_id, day, messages, tokens
  ),
  per_day AS (
    SELECT user_id, day, sum(messages)::int AS messages, sum(tokens)::bigint AS tokens
    FROM gone GROUP BY user_id, day
  ),
  released AS (
    UPDATE usage_daily d SET
      held_messages = d.held_messages - per_day.messages,
      held_tokens = d.held_tokens - per_day.tokens
    FROM per_day
    WHERE d.user_id = per_day.user_id AND d.day = per_day.day
    RETURNING 1
  ),
  forgotten AS (
    DELETE FROM usage_holds WHERE released_at < now() - interval '1 day' RETURNING 1
  )
  SELECT (SELECT count(*) FROM gone) AS holds, (SELECT count(*) FROM released) AS days,
         (SELECT count(*) FROM forgotten) AS forgotten`;

/** Renews the holds of answers this process is still serving. $1 ids, comma-separated; $2 TTL (s). */
const RENEW_SQL = `
  UPDATE usage_holds SET expires_at = now() + make_interval(secs => $2::int)
  WHERE id = ANY (string_to_array($1, ',')::uuid[]) AND released_at IS NULL`;

const QUOTA_SQL = `
  SELECT coalesce(u.max_ai_messages_per_day, def.messages_limit) AS messages_limit,
         coalesce(u.max_ai_tokens_per_day, def.tokens_limit) AS tokens_limit,
         coalesce(d.messages, 0) AS messages, coalesce(d.held_messages, 0) AS held_messages,
         coalesce(d.tokens, 0)::bigint AS tokens, coalesce(d.held_tokens, 0)::bigint AS held_tokens
  FROM users u
  CROSS JOIN (${DEFAULT_LIMITS_SQL}) def
  LEFT JOIN usage_daily d ON d.user_id = u.id AND d.day = $2::date
  WHERE u.id = $1`;

interface CountersRow {
  messages: number;
  held_messages: number;
  tokens: number;
  held_tokens: number;
  messages_limit: number;
  tokens_limit: number;
}

interface ReserveRow extends CountersRow {
  hold_id: string;
  output_cap: number;
}

/** What a settle charges: 1 message and the tokens used, or nothing. */
interface Charge {
  messages: number;
  tokens: number;
}

/** A send this process admitted and has not settled yet. */
interface LiveHold {
  /** What to charge, from the first settle on; kept if settling fails, for a retry. */
  charge?: Charge;
  /** The settle statement in flight. */
  settling?: Promise<void>;
}

/**
 * Daily usage counters, limits, reservations. Usage lives in its own table
 * (`usage_daily`), so reading a quota costs one indexed row whatever the
 * message history, and deleting chats or messages gives nothing back.
 */
@Injectable()
export class UsageService
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('Usage');
  private readonly live = new Map<string, LiveHold>();
  private timer: NodeJS.Timeout | null = null;
  private beat: Promise<void> | null = null;

  constructor(
    private readonly db: DatabaseService,
    private readonly settings: SettingsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
    return toQuota(state(row), today.resetsAt, today.timezone);
  }

  /** Atomically checks and reserves; throws ApiError 429 (QUOTA_*) with the quota and headers when over a limit. */
  async reserve(
    userId: string,
    promptTokens: number,
    maxOutputTokens: number,
  ): Promise<Reservation> {
    const prompt = Math.max(0, Math.ceil(promptTokens));
    const maxOutput = Math.max(1, Math.floor(maxOutputTokens));
    for (let attempt = 1; ; attempt++) {
      const today = await this.today();
      const [row] = await this.db.query<ReserveRow>(RESERVE_SQL, [
        userId,
        today.day,
        prompt,
        maxOutput,
        this.config.quota.holdTtlSeconds,
      ]);
      if (row) {
        this.live.set(row.hold_id, {});
        return {
          holdId: row.hold_id,
          userId,
          day: today.day,
          promptTokens: prompt,
          outputCap: row.output_cap,
          quota: toQuota(state(row), today.resetsAt, today.timezone),
        };
      }
      const quota = await this.getQuota(userId);
      const overMessages = quota.messages.used >= quota.messages.limit;
      const overTokens = quota.tokens.remaining <= prompt;
      // Neither: a send in progress was settled in between; try again.
      if (!overMessages && !overTokens && attempt < 3) continue;
      throw this.refusal(
        overMessages ? 'QUOTA_MESSAGES_EXCEEDED' : 'QUOTA_TOKENS_EXCEEDED',
        quota,
      );
    }
  }

  /** Settles a hold to the real count, exactly once (later calls change nothing). Returns the quota after. */
  async settle(reservation: Reservation, usage: SettleUsage): Promise<Quota> {
    const hold = this.live.get(reservation.holdId);
    if (hold) {
      hold.charge ??= usage.charged
        ? {
            messages: 1,
            tokens: whole(usage.promptTokens) + whole(usage.completionTokens),
          }
        : { messages: 0, tokens: 0 };
      await this.applySettle(reservation.holdId, hold, hold.charge);
    }
    return this.getQuota(reservation.userId);
  }

  /** `RateLimit-Policy` and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers-11) for a quota. */
  rateLimitHeaders(quota: Quota): Record<string, string> {
    return rateLimitHeaders(quota, this.clock.now());
  }

  /** Releases expired holds (of processes that died); returns how many. */
  async reapExpired(): Promise<number> {
    const [row] = await this.db.query<{ holds: number }>(REAP_SQL);
    const holds = Number(row?.holds ?? 0);
    if (holds > 0) this.logger.warn(`Released ${holds} expired quota hold(s)`);
    return holds;
  }

  /** Renews this process's holds, retries failed settles and reaps expired holds. */
  async heartbeat(): Promise<void> {
    for (const [id, hold] of this.live) {
      if (hold.charge) {
        await this.applySettle(id, hold, hold.charge).catch(() => undefined);
      }
    }
    const ids = [...this.live.keys()];
    if (ids.length > 0)
      await this.db.query(RENEW_SQL, [
        ids.join(','),
        this.config.quota.holdTtlSeconds,
      ]);
    await this.reapExpired();
  }

  onApplicationBootstrap(): void {
    const every = this.config.quota.holdHeartbeatSeconds * 1000;
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
    this.tick();
  }

  /**
   * Runs once the HTTP server has closed (after the answers in progress on
   * shutdown have ended), so until then their holds are renewed and expired
   * ones reaped.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beat;
  }

  private tick(): void {
    if (this.beat) return;
    this.beat = this.heartbeat()
      .catch((err: Error) =>
        this.logger.warn(`Quota heartbeat failed: ${err.message}`),
      )
      .finally(() => (this.beat = null));
  }

  /**
   * Runs the settle statement, once at a time per hold. Only its first run
   * changes anything (the hold row is deleted), so retrying after an error
   * is safe; until it succeeds the hold stays live and the heartbeat
   * retries it.
   */
  private applySettle(
    holdId: string,
    hold: LiveHold,
    charge: Charge,
  ): Promise<void> {
    hold.settling ??= this.db
      .query(SETTLE_SQL, [holdId, charge.messages, charge.tokens])
      .then(() => void this.live.delete(holdId))
      .finally(() => (hold.settling = undefined));
    return hold.settling;
  }

  private refusal(
    code: 'QUOTA_MESSAGES_EXCEEDED' | 'QUOTA_TOKENS_EXCEEDED',
    quota: Quota,
  ): ApiError {
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

function whole(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0;
}

function state(row: CountersRow): QuotaState {
  return {
    messages: Number(row.messages),
    heldMessages: Number(row.held_messages),
    tokens: Number(row.tokens),
    heldTokens: Number(row.held_tokens),
    messagesLimit: Number(row.messages_limit),
    tokensLimit: Number(row.tokens_limit),
  };
}
