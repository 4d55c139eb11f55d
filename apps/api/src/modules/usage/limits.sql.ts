/**
 * The quota statements, in one place with the rule they share: which limits
 * apply to a send (API.md "Limits"), and the counters they are checked
 * against (`usage_counters`, keyed by a scope and the first day of the
 * window, see the limits-and-groups migration).
 *
 * Every check-and-charge is ONE statement (or one transaction that starts
 * with one): never read-then-write in application code. That is what makes
 * it exact across API processes on PostgreSQL and on PGlite's single
 * session, where transactions are not isolated from each other. Every
 * statement that changes counters first locks the rows it needs in one
 * fixed order (scope, period_start), with a hold row and a stream slot row
 * (if any) locked before them, in that order, so no interleaving of
 * reserves, settles and reaps can deadlock.
 */

/**
 * The parameters of APPLICABLE_SQL, shared by the statements that use it:
 * $1 user, $2 model, $3 API key (or null), $4 day, $5 week start,
 * $6 month start (the windows in force, `YYYY-MM-DD` in quota_timezone),
 * $7 now (grants in force).
 */
const APPLICABLE_SQL = `
  mem AS (SELECT group_id FROM group_members WHERE user_id = $1::uuid),
  -- Personal limits: for each metric, window and model, the user's own,
  -- else the most generous of the user's groups, else everyone's.
  personal AS (
    SELECT DISTINCT ON (l.metric, l.period, l.model) l.*
    FROM limits l
    WHERE NOT l.shared AND (l.model IS NULL OR l.model = $2::varchar)
      AND (l.subject = 'everyone'
        OR (l.subject = 'user' AND l.subject_id = $1::uuid)
        OR (l.subject = 'group' AND l.subject_id IN (SELECT group_id FROM mem)))
    ORDER BY l.metric, l.period, l.model,
      CASE l.subject WHEN 'user' THEN 0 WHEN 'group' THEN 1 ELSE 2 END, l.amount DESC, l.id
  ),
  -- Every pool of the user's groups and every everyone pool; the key's own.
  others AS (
    SELECT l.* FROM limits l
    WHERE l.shared AND (l.model IS NULL OR l.model = $2::varchar)
      AND (l.subject = 'everyone' OR l.subject_id IN (SELECT group_id FROM mem))
    UNION ALL
    SELECT l.* FROM limits l
    WHERE l.subject = 'api_key' AND l.subject_id = $3::uuid
      AND (l.model IS NULL OR l.model = $2::varchar)
  ),
  applicable AS (
    SELECT l.id, l.subject, l.subject_id, l.metric, l.period, l.model, l.shared, l.amount,
      CASE WHEN l.subject = 'api_key' THEN 'k:' || l.subject_id
           WHEN l.shared AND l.subject = 'group' THEN 'g:' || l.subject_id
           WHEN l.shared THEN 'e'
           ELSE 'u:' || $1::uuid END || ':' || l.period || ':' || coalesce(l.model, '*') AS scope,
      CASE l.period WHEN 'day' THEN $4::date WHEN 'week' THEN $5::date ELSE $6::date END AS period_start,
      -- Grants raise personal limits until the end of their window.
      l.amount + CASE WHEN l.shared OR l.subject = 'api_key' THEN 0 ELSE coalesce((
        SELECT sum(g.amount) FROM limit_grants g
        WHERE g.user_id = $1::uuid AND g.metric = l.metric AND g.period = l.period
          AND g.model IS NOT DISTINCT FROM l.model AND g.expires_at > $7::timestamptz), 0) END AS lim,
      CASE l.subject WHEN 'group' THEN (SELECT name FROM user_groups WHERE id = l.subject_id)
                     WHEN 'user' THEN (SELECT coalesce(nullif(name, ''), email) FROM users WHERE id = l.subject_id)
                     WHEN 'api_key' THEN (SELECT name FROM api_keys WHERE id = l.subject_id)
      END AS subject_name
    FROM (SELECT * FROM personal UNION ALL SELECT * FROM others) l
  ),
  -- The counters a send charges: the user's own day, week and month over
  -- all models and for its model (so a limit added later sees its window's
  -- use), the key's own when it has one, and those of the limits that apply.
  wanted AS (
    SELECT DISTINCT scope, period_start FROM (
      SELECT scope, period_start FROM applicable
      UNION ALL
      SELECT 'u:' || $1::uuid || ':' || w.p || ':' || m.m, w.s
      FROM (VALUES ('day', $4::date), ('week', $5::date), ('month', $6::date)) w (p, s)
      CROSS JOIN (VALUES ('*'), ($2::varchar)) m (m)
      WHERE m.m IS NOT NULL
      UNION ALL
      SELECT 'k:' || $3::uuid || ':' || w.p || ':*', w.s
      FROM (VALUES ('day', $4::date), ('week', $5::date), ('month', $6::date)) w (p, s)
      WHERE $3::uuid IS NOT NULL
    ) x
  )`;

/** A limit with its counter, as the statements return it (json). */
const LIMIT_JSON = `json_build_object(
    'id', a.id, 'scope', a.scope, 'period_start', a.period_start, 'subject', a.subject, 'subject_id', a.subject_id, 'subject_name', a.subject_name,
    'metric', a.metric, 'window', a.period, 'model', a.model, 'shared', a.shared,
    'amount', a.amount, 'lim', a.lim,
    'settled', CASE a.metric WHEN 'messages' THEN c.messages WHEN 'tokens' THEN c.tokens ELSE c.cost END,
    'held', CASE a.metric WHEN 'messages' THEN c.held_messages WHEN 'tokens' THEN c.held_tokens ELSE c.held_cost END)`;

/**
 * Creates the counters a send needs that do not exist yet, in key order
 * (so two of these at once cannot deadlock). Run when RESERVE_SQL says some
 * are missing, then the reserve is run again. Parameters as APPLICABLE_SQL.
 */
export const ENSURE_COUNTERS_SQL = `
  WITH ${APPLICABLE_SQL}
  INSERT INTO usage_counters (scope, period_start)
  SELECT scope, period_start FROM wanted ORDER BY scope, period_start
  ON CONFLICT DO NOTHING`;

/**
 * Admits a send in one statement, all or none: takes a stream slot, then
 * checks every limit that applies and reserves on all their counters.
 * - `slot` takes the lowest free slot 1..$14 of the user for acquisition
 *   $13 (a row whose `expires_at` has not passed is a slot in use; an
 *   expired one, of a process that died, is taken over by the ON CONFLICT
 *   update, whose WHERE is checked on the locked, latest row). It runs
 *   first, before any counter is locked, so its view of the slots is as
 *   fresh as the statement; a statement that took no slot locks nothing
 *   more and reserves nothing;
 * - `locked` takes the row locks of every counter the send charges, in key
 *   order; under READ COMMITTED a row lock that waited re-reads the row's
 *   latest version, so the checks below see what every earlier send left;
 * - the send passes when every messages limit has one left, every tokens
 *   limit leaves at least one answer token after the prompt, and every cost
 *   limit can pay for the prompt and one answer token;
 * - the output cap is the smallest of the largest wanted ($9) and what
 *   every tokens and cost limit leaves after the prompt;
 * - then every counter holds 1 message, prompt + cap tokens and their cost,
 *   and the hold row names the counters, for its settle or the reaper.
 * A row back always. `slot` null: no slot was taken (`live_slots` says
 *   whether all were in use, or a concurrent send took the one chosen), and
 *   nothing else changed. Otherwise the slot is taken, and the caller gives
 *   it back unless `hold_id` is set: `complete` false means counters were
 *   missing (create them with ENSURE_COUNTERS_SQL and run again), `hold_id`
 *   null means refused. `limits` are the limits with their counters as they
 *   were before this send.
 *
 * Locks, in every statement that takes more than one: a hold row, then a
 * slot row, then counters in key order (SETTLE_SQL deletes its slot before
 * it locks counters), so none of them can deadlock another.
 *
 * $1..$7 as APPLICABLE_SQL; $8 estimated prompt tokens; $9 largest output
 * cap; $10 input and $11 output price (micro-dollars per token); $12 hold
 * and slot TTL (s); $13 slot acquisition id (null: reserve without a
 * slot); $14 slots the user may hold.
 */
export const RESERVE_SQL = `
  WITH slot AS (
    INSERT INTO stream_slots (user_id, slot, id, expires_at)
    SELECT $1::uuid, s, $13::uuid, now() + make_interval(secs => $12::int)
    FROM generate_series(1, $14::int) AS s
    WHERE $13::uuid IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM stream_slots a
      WHERE a.user_id = $1::uuid AND a.slot = s AND a.expires_at >= now()
    )
    ORDER BY s
    LIMIT 1
    ON CONFLICT (user_id, slot) DO UPDATE
      SET id = EXCLUDED.id, expires_at = EXCLUDED.expires_at
      WHERE stream_slots.expires_at < now()
    RETURNING slot
  ),
  ${APPLICABLE_SQL},
  locked AS (
    SELECT c.* FROM usage_counters c
    JOIN wanted w ON c.scope = w.scope AND c.period_start = w.period_start
    WHERE ($13::uuid IS NULL OR EXISTS (SELECT 1 FROM slot))
    ORDER BY c.scope, c.period_start
    FOR UPDATE OF c
  ),
  checked AS (
    SELECT a.*, c.messages, c.tokens, c.cost, c.held_messages, c.held_tokens, c.held_cost,
      CASE a.metric WHEN 'messages' THEN c.messages + c.held_messages
                    WHEN 'tokens' THEN c.tokens + c.held_tokens
                    ELSE c.cost + c.held_cost END AS taken
    FROM applicable a JOIN locked c ON c.scope = a.scope AND c.period_start = a.period_start
  ),
  prompt_cost AS (SELECT ceil($8::bigint * $10::numeric) AS pc),
  verdict AS (
    SELECT
      (SELECT count(*) FROM locked) = (SELECT count(*) FROM wanted) AS complete,
      least($9::bigint,
        coalesce((SELECT min(lim - taken - $8::bigint) FROM checked WHERE metric = 'tokens'), $9::bigint),
        coalesce((SELECT min(floor((lim - taken - pc) / $11::numeric))::bigint
                  FROM checked WHERE metric = 'cost' AND $11::numeric > 0), $9::bigint)
      ) AS cap,
      coalesce((SELECT bool_and(taken < lim) FROM checked WHERE metric = 'messages'), true)
        AND coalesce((SELECT bool_and(lim - taken - pc >= 0) FROM checked WHERE metric = 'cost'), true)
        AS fits
    FROM prompt_cost
  ),
  granted AS (
    SELECT v.cap, ceil($8::bigint * $10::numeric + v.cap * $11::numeric)::bigint AS cost_hold
    FROM verdict v WHERE v.complete AND v.fits AND v.cap >= 1
      AND ($13::uuid IS NULL OR EXISTS (SELECT 1 FROM slot))
  ),
  upd AS (
    UPDATE usage_counters c SET
      held_messages = c.held_messages + 1,
      held_tokens = c.held_tokens + $8::bigint + g.cap,
      held_cost = c.held_cost + g.cost_hold
    FROM locked l, granted g
    WHERE c.scope = l.scope AND c.period_start = l.period_start
    RETURNING 1
  ),
  hold AS (
    INSERT INTO usage_holds (user_id, day, messages, tokens, cost, scopes, periods, expires_at)
    SELECT $1::uuid, $4::date, 1, $8::bigint + g.cap, g.cost_hold,
      (SELECT array_agg(scope ORDER BY scope, period_start) FROM locked),
      (SELECT array_agg(period_start ORDER BY scope, period_start) FROM locked),
      now() + make_interval(secs => $12::int)
    FROM granted g
    RETURNING id
  )
  SELECT (SELECT slot FROM slot) AS slot,
    (SELECT count(*) FROM stream_slots
     WHERE user_id = $1::uuid AND slot <= $14::int AND expires_at >= now())::int AS live_slots,
    v.complete, (SELECT id FROM hold) AS hold_id,
    (SELECT cap FROM granted) AS output_cap, (SELECT cost_hold FROM granted) AS cost_hold,
    (SELECT count(*) FROM upd) AS counters,
    (SELECT coalesce(json_agg(${LIMIT_JSON}), '[]') FROM checked a JOIN locked c
       ON c.scope = a.scope AND c.period_start = a.period_start) AS limits
  FROM verdict v`;

/**
 * Every limit that applies to a send of the user to the model, with its
 * counter now (no locks). No row for a user that does not exist.
 * Parameters as APPLICABLE_SQL.
 */
export const QUOTA_SQL = `
  WITH ${APPLICABLE_SQL}
  SELECT (SELECT coalesce(json_agg(${LIMIT_JSON}), '[]') FROM applicable a
    LEFT JOIN usage_counters c ON c.scope = a.scope AND c.period_start = a.period_start) AS limits
  FROM users WHERE id = $1::uuid`;

/**
 * The part of SETTLE_SQL and RELEASE_SQL that moves a hold's counters: the
 * hold row `h` (locked by the CTE that found it) names them; they are locked
 * in key order, then each gets `held_* - h.*` (when the hold still holds)
 * and the charge. `after` is a condition evaluated before any counter is
 * locked (so what it runs comes first in the lock order).
 */
const MOVE_COUNTERS_SQL = (
  charge: { m: string; t: string; c: string },
  after = 'true',
) => `
  keys AS (SELECT unnest(h.scopes) AS scope, unnest(h.periods) AS period_start FROM h WHERE ${after}),
  locked AS (
    SELECT c.scope, c.period_start FROM usage_counters c
    JOIN keys k ON c.scope = k.scope AND c.period_start = k.period_start
    ORDER BY c.scope, c.period_start
    FOR UPDATE OF c
  ),
  moved AS (
    UPDATE usage_counters c SET
      held_messages = c.held_messages - h.held_messages,
      held_tokens = c.held_tokens - h.held_tokens,
      held_cost = c.held_cost - h.held_cost,
      messages = c.messages + ${charge.m},
      tokens = c.tokens + ${charge.t},
      cost = c.cost + ${charge.c}
    FROM locked l, h
    WHERE c.scope = l.scope AND c.period_start = l.period_start
    RETURNING c.*
  )`;

/**
 * Settles a hold in one statement: the hold row is deleted (so only the
 * first settle finds it) and moved into its counters: what it held is
 * released (unless the reaper already did) and the real usage is charged.
 * The same statement adds the usage to the settled ledger of the reports
 * (`usage_daily`, and `usage_daily_models` per model). Not charged (0, 0):
 * the message is given back too. A row back means this settle was the one
 * that counted; the caller stores what the answer used in the same
 * transaction only then, so the stored answers and the counters move
 * together. `counters` are the counters after the charge.
 *
 * The send's stream slot ($8) is given back by the same statement, whether
 * or not the hold was still there, before any counter is locked (the lock
 * order of RESERVE_SQL).
 *
 * $1 hold id, $2 messages to charge (0 or 1), $3 tokens to charge,
 * $4 cost in micro-dollars, $5 model (null: no per-model ledger),
 * $6 prompt tokens, $7 completion tokens, $8 stream slot acquisition id.
 */
export const SETTLE_SQL = `
  WITH h AS (
    DELETE FROM usage_holds WHERE id = $1
    RETURNING user_id, day, scopes, periods,
      CASE WHEN released_at IS NULL THEN messages ELSE 0 END AS held_messages,
      CASE WHEN released_at IS NULL THEN tokens ELSE 0 END AS held_tokens,
      CASE WHEN released_at IS NULL THEN cost ELSE 0 END AS held_cost
  ),
  freed AS (DELETE FROM stream_slots WHERE id = $8::uuid RETURNING 1),
  ${MOVE_COUNTERS_SQL(
    { m: '$2::int', t: '$3::bigint', c: '$4::bigint' },
    '(SELECT count(*) FROM freed) >= 0',
  )},
  ledger AS (
    INSERT INTO usage_daily AS d (user_id, day, messages, tokens, cost)
    SELECT h.user_id, h.day, $2::int, $3::bigint, $4::bigint FROM h
    WHERE $2::int > 0 OR $3::bigint > 0
    ON CONFLICT (user_id, day) DO UPDATE SET
      messages = d.messages + EXCLUDED.messages,
      tokens = d.tokens + EXCLUDED.tokens,
      cost = d.cost + EXCLUDED.cost
    RETURNING 1
  ),
  per_model AS (
    INSERT INTO usage_daily_models AS m (user_id, day, model, messages, prompt_tokens, completion_tokens, cost)
    SELECT h.user_id, h.day, $5::varchar, $2::int, $6::bigint, $7::bigint, $4::bigint
    FROM h
    WHERE $5::varchar IS NOT NULL AND ($2::int > 0 OR $3::bigint > 0)
    ON CONFLICT (user_id, day, model) DO UPDATE SET
      messages = m.messages + EXCLUDED.messages,
      prompt_tokens = m.prompt_tokens + EXCLUDED.prompt_tokens,
      completion_tokens = m.completion_tokens + EXCLUDED.completion_tokens,
      cost = m.cost + EXCLUDED.cost
    RETURNING 1
  )
  SELECT (SELECT coalesce(json_agg(moved), '[]') FROM moved) AS counters,
         (SELECT count(*) FROM ledger) + (SELECT count(*) FROM per_model) AS ledger_rows
  FROM h`;

/**
 * Releases one expired hold (its process died or stalled): what it held
 * goes back to every counter it names, and it is marked released so that a
 * late settle still charges what was used, once. A hold is only ever found
 * here while its answer is unstored: storing an answer deletes its hold in
 * the same transaction. One hold per statement keeps the lock order of a
 * settle (the hold, then its counters in key order). $1 hold id.
 */
export const RELEASE_SQL = `
  WITH h AS (
    UPDATE usage_holds SET released_at = now()
    WHERE id = $1 AND released_at IS NULL AND expires_at < now()
    RETURNING scopes, periods, messages AS held_messages, tokens AS held_tokens, cost AS held_cost
  ),
  ${MOVE_COUNTERS_SQL({ m: '0', t: '0', c: '0' })}
  SELECT count(*) AS counters FROM moved`;

/** Expired holds, oldest first, for the reaper to release one by one. */
export const EXPIRED_HOLDS_SQL = `
  SELECT id FROM usage_holds
  WHERE released_at IS NULL AND expires_at < now()
  ORDER BY expires_at LIMIT 500`;

/** Released holds a day old are forgotten (a settle that late counts nothing). */
export const FORGET_HOLDS_SQL = `
  DELETE FROM usage_holds WHERE released_at < now() - interval '1 day'`;

/** Renews the holds of answers this process is still serving. $1 ids, comma-separated; $2 TTL (s). */
export const RENEW_HOLDS_SQL = `
  UPDATE usage_holds SET expires_at = now() + make_interval(secs => $2::int)
  WHERE id = ANY (string_to_array($1, ',')::uuid[]) AND released_at IS NULL`;

/**
 * The personal daily limit over all models of `metric` that applies to the
 * user aliased `u`: the user's own, else the most generous of the user's
 * groups, else everyone's (the seed's fields, API.md "Limits").
 */
const dailyLimitOf = (u: string, metric: 'messages' | 'tokens') => `(
  SELECT l.amount FROM limits l
  WHERE NOT l.shared AND l.metric = '${metric}' AND l.period = 'day' AND l.model IS NULL
    AND (l.subject = 'everyone'
      OR (l.subject = 'user' AND l.subject_id = ${u}.id)
      OR (l.subject = 'group' AND l.subject_id IN
            (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = ${u}.id)))
  ORDER BY CASE l.subject WHEN 'user' THEN 0 WHEN 'group' THEN 1 ELSE 2 END, l.amount DESC
  LIMIT 1)`;

/** Nothing to join any more: kept so report queries read the same. */
export const DEFAULTS_JOIN = '';

/**
 * The columns `messages_limit, tokens_limit` of the user aliased `u`: the
 * personal daily limits over all models that apply to them.
 */
export const limitColumns = (u: string) => `
  coalesce(${dailyLimitOf(u, 'messages')}, 0) AS messages_limit,
  coalesce(${dailyLimitOf(u, 'tokens')}, 0) AS tokens_limit`;
