import { SETTING_DEFAULTS } from '../settings/settings.service';

/**
 * The quota statements, in one place with the rule they share: which limits
 * apply to a user. Today that is the user's own daily limit, else the
 * default from the settings; groups, other windows, cost and pools (issue 9)
 * grow here, and nowhere else.
 *
 * Every check-and-charge is ONE statement (or one transaction that starts
 * with one): never read-then-write in application code. That is what makes
 * it exact across API processes on PostgreSQL and on PGlite's single
 * session, where transactions are not isolated from each other.
 */

/**
 * The default limits from the settings table (seeded by the quota
 * migration), falling back to the built-in defaults if a row is missing.
 */
const DEFAULT_LIMITS_SQL = `
  SELECT
    coalesce((SELECT (s.value #>> '{}')::numeric FROM settings s
              WHERE s.key = 'default_max_ai_messages_per_day' AND jsonb_typeof(s.value) = 'number'),
             ${SETTING_DEFAULTS.default_max_ai_messages_per_day})::bigint AS messages_limit,
    coalesce((SELECT (s.value #>> '{}')::numeric FROM settings s
              WHERE s.key = 'default_max_ai_tokens_per_day' AND jsonb_typeof(s.value) = 'number'),
             ${SETTING_DEFAULTS.default_max_ai_tokens_per_day})::bigint AS tokens_limit`;

/** Joined after `users`: the defaults, read once per statement (as `def`). */
export const DEFAULTS_JOIN = `CROSS JOIN (${DEFAULT_LIMITS_SQL}) def`;

/**
 * The columns `messages_limit, tokens_limit` of the user aliased `u` in a
 * query that has DEFAULTS_JOIN: the user's own limit, else the default.
 */
export const limitColumns = (u: string) => `
  coalesce(${u}.max_ai_messages_per_day, def.messages_limit) AS messages_limit,
  coalesce(${u}.max_ai_tokens_per_day, def.tokens_limit) AS tokens_limit`;

/** The daily limits of each user: `(user_id, messages_limit, tokens_limit)`, to filter on `user_id`. */
export const USER_LIMITS_SQL = `
  SELECT u.id AS user_id, ${limitColumns('u')}
  FROM users u ${DEFAULTS_JOIN}`;

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
    SELECT messages_limit, tokens_limit FROM (${USER_LIMITS_SQL}) l WHERE l.user_id = $1
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
 * charged. Not charged (0, 0): the message is given back too. A row back
 * means this settle was the one that counted; the caller stores what the
 * answer used in the same transaction only then, so the stored answers and
 * the counters move together (issue 13).
 *
 * The same statement adds the answer's cost to the day and its usage to the
 * counters of its model (`usage_daily_models`), so cost and per-model usage
 * move with the tokens, once.
 *
 * $1 hold id, $2 messages to charge (0 or 1), $3 tokens to charge,
 * $4 cost in micro-dollars, $5 model (null: no per-model counter),
 * $6 prompt tokens, $7 completion tokens.
 */
export const SETTLE_SQL = `
  WITH h AS (
    DELETE FROM usage_holds WHERE id = $1
    RETURNING user_id, day,
      CASE WHEN released_at IS NULL THEN messages ELSE 0 END AS messages,
      CASE WHEN released_at IS NULL THEN tokens ELSE 0 END AS tokens
  ),
  d AS (
    UPDATE usage_daily d SET
      held_messages = d.held_messages - h.messages,
      held_tokens = d.held_tokens - h.tokens,
      messages = d.messages + $2::int,
      tokens = d.tokens + $3::bigint,
      cost = d.cost + $4::bigint
    FROM h
    WHERE d.user_id = h.user_id AND d.day = h.day
    RETURNING d.user_id, d.day, d.messages
  ),
  per_model AS (
    INSERT INTO usage_daily_models AS m (user_id, day, model, messages, prompt_tokens, completion_tokens, cost)
    SELECT d.user_id, d.day, $5::varchar, $2::int, $6::bigint, $7::bigint, $4::bigint
    FROM d
    WHERE $5::varchar IS NOT NULL AND ($2::int > 0 OR $3::bigint > 0)
    ON CONFLICT (user_id, day, model) DO UPDATE SET
      messages = m.messages + EXCLUDED.messages,
      prompt_tokens = m.prompt_tokens + EXCLUDED.prompt_tokens,
      completion_tokens = m.completion_tokens + EXCLUDED.completion_tokens,
      cost = m.cost + EXCLUDED.cost
    RETURNING 1
  )
  SELECT d.messages FROM d`;

/**
 * Releases every expired hold (its process died or stalled): the message
 * and the tokens go back, and the hold is marked released so that a late
 * settle still charges what was used, once. A hold is only ever found here
 * while its answer is unstored: storing an answer deletes its hold in the
 * same transaction. Released holds a day old are deleted. One statement;
 * any number of processes may run it at once.
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
export const RENEW_HOLDS_SQL = `
  UPDATE usage_holds SET expires_at = now() + make_interval(secs => $2::int)
  WHERE id = ANY (string_to_array($1, ',')::uuid[]) AND released_at IS NULL`;

/** A user's limits and counters of one day. $1 user, $2 day. No row: no such user. */
export const QUOTA_SQL = `
  SELECT lim.messages_limit, lim.tokens_limit,
         coalesce(d.messages, 0) AS messages, coalesce(d.held_messages, 0) AS held_messages,
         coalesce(d.tokens, 0)::bigint AS tokens, coalesce(d.held_tokens, 0)::bigint AS held_tokens
  FROM (${USER_LIMITS_SQL}) lim
  LEFT JOIN usage_daily d ON d.user_id = lim.user_id AND d.day = $2::date
  WHERE lim.user_id = $1`;
