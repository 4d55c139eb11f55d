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
 * The rule of personal limits (API.md "Limits"), written once and used by
 * every statement that needs it. `personalCandidates`: the personal limits
 * (aliased `l`) that could apply to the user `user` (an SQL expression),
 * whose groups are the ids `groups` (a subquery): the user's own, those of
 * the user's groups and everyone's.
 */
const personalCandidates = (user: string, groups: string) => `NOT l.shared
      AND (l.subject = 'everyone'
        OR (l.subject = 'user' AND l.subject_id = ${user})
        OR (l.subject = 'group' AND l.subject_id IN (${groups})))`;

/**
 * Among the candidates of one metric, window and model, the one that
 * applies comes first: the user's own, else the most generous group's,
 * else everyone's.
 */
const PERSONAL_PRECEDENCE = `CASE l.subject WHEN 'user' THEN 0 WHEN 'group' THEN 1 ELSE 2 END, l.amount DESC, l.id`;

/**
 * What the grants in force at `now` add to the personal limit aliased `l`
 * of the user `user` (both SQL expressions): a grant raises the personal
 * limit of its metric, window and model, whichever subject it comes from.
 */
const grantsIn = (user: string, now: string) => `coalesce((
        SELECT sum(g.amount) FROM limit_grants g
        WHERE g.user_id = ${user} AND g.metric = l.metric AND g.period = l.period
          AND g.model IS NOT DISTINCT FROM l.model AND g.expires_at > ${now}), 0)`;

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
    WHERE ${personalCandidates('$1::uuid', 'SELECT group_id FROM mem')}
      AND (l.model IS NULL OR l.model = $2::varchar)
    ORDER BY l.metric, l.period, l.model, ${PERSONAL_PRECEDENCE}
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
      l.amount + CASE WHEN l.shared OR l.subject = 'api_key' THEN 0
        ELSE ${grantsIn('$1::uuid', '$7::timestamptz')} END AS lim,
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
 * slot row, then counters in key order (SETTLE_SQL, holds.sql.ts, deletes its slot before
 * it locks counters), so none of them can deadlock another.
 *
 * A rider (rider.ts) stores what the caller keeps of an admitted send
 * (chat: the user's message) in this same statement: its CTEs write from
 * `admitted`, one row only when the hold was taken, after the counters
 * (its row locks come last); `rider` is its result.
 *
 * $1..$7 as APPLICABLE_SQL; $8 estimated prompt tokens; $9 largest output
 * cap; $10 input and $11 output price (micro-dollars per token); $12 hold
 * and slot TTL (s); $13 slot acquisition id (null: reserve without a
 * slot); $14 slots the user may hold.
 */
export const reserveSql = (rider?: { ctes: string; result: string }) => `
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
  ),
  -- One row when the send is admitted, once its counters are charged: what a rider writes from.
  admitted AS (SELECT id FROM hold WHERE (SELECT count(*) FROM upd) >= 0)${
    rider ? `,\n  ${rider.ctes}` : ''
  }
  SELECT (SELECT slot FROM slot) AS slot,
    (SELECT count(*) FROM stream_slots
     WHERE user_id = $1::uuid AND slot <= $14::int AND expires_at >= now())::int AS live_slots,
    v.complete, (SELECT id FROM hold) AS hold_id,
    (SELECT cap FROM granted) AS output_cap, (SELECT cost_hold FROM granted) AS cost_hold,
    (SELECT count(*) FROM upd) AS counters,
    (SELECT coalesce(json_agg(${LIMIT_JSON}), '[]') FROM checked a JOIN locked c
       ON c.scope = a.scope AND c.period_start = a.period_start) AS limits${
         rider ? `,\n    (${rider.result}) AS rider` : ''
       }
  FROM verdict v`;

/** The parameters of the admission statement; a rider's follow them. */
export const RESERVE_PARAMS = 14;

/** The admission statement alone (see reserveSql). */
export const RESERVE_SQL = reserveSql();

/**
 * Every limit that applies to a send of the user to the model, with its
 * counter now (no locks). No row for a user that does not exist.
 * Parameters as APPLICABLE_SQL.
 */
/**
 * The prices of the model $2 (null: no model, or none of that id), for
 * whether a cost limit is exhausted: one primary-key row read by the
 * quota's own statement, so the quota costs no statement more.
 */
const PRICES_SQL = `(SELECT json_build_object('inputPrice', m.input_price, 'outputPrice', m.output_price)
    FROM ai_models m WHERE m.id = $2::varchar)`;

export const QUOTA_SQL = `
  WITH ${APPLICABLE_SQL}
  SELECT (SELECT coalesce(json_agg(${LIMIT_JSON}), '[]') FROM applicable a
    LEFT JOIN usage_counters c ON c.scope = a.scope AND c.period_start = a.period_start) AS limits,
    ${PRICES_SQL} AS prices
  FROM users WHERE id = $1::uuid`;

/**
 * QUOTA_SQL with the caller's own row, for `GET /api/chats/quota` with an
 * access token: the user lookup every request makes (`userColumns`, an
 * AuthRow's: users.service `authColumns()`) and the quota in one statement,
 * plus whether $2 is an enabled model. No row: no such user. Parameters as
 * APPLICABLE_SQL ($3 null).
 */
export const quotaWithUserSql = (userColumns: string) => `
  WITH ${APPLICABLE_SQL}
  SELECT ${userColumns},
    EXISTS (SELECT 1 FROM ai_models m WHERE m.id = $2::varchar AND m.enabled) AS model_enabled,
    (SELECT coalesce(json_agg(${LIMIT_JSON}), '[]') FROM applicable a
    LEFT JOIN usage_counters c ON c.scope = a.scope AND c.period_start = a.period_start) AS limits,
    ${PRICES_SQL} AS prices
  FROM users WHERE id = $1::uuid`;

/**
 * The personal daily limit over all models of `metric` that applies to the
 * user aliased `u` (the seed's fields, API.md "Limits"), by the rule of
 * APPLICABLE_SQL; with `grantsAt` (an SQL expression of a time) raised by
 * the grants in force then, as the user's quota shows it.
 */
const dailyLimitOf = (
  u: string,
  metric: 'messages' | 'tokens',
  grantsAt?: string,
) => `(
  SELECT l.amount${grantsAt ? ` + ${grantsIn(`${u}.id`, grantsAt)}` : ''} FROM limits l
  WHERE ${personalCandidates(`${u}.id`, `SELECT gm.group_id FROM group_members gm WHERE gm.user_id = ${u}.id`)}
    AND l.metric = '${metric}' AND l.period = 'day' AND l.model IS NULL
  ORDER BY ${PERSONAL_PRECEDENCE}
  LIMIT 1)`;

/** Nothing to join any more: kept so report queries read the same. */
export const DEFAULTS_JOIN = '';

/**
 * The columns `messages_limit, tokens_limit` of the user aliased `u`: the
 * personal daily limits over all models that apply to them; with
 * `grantsAt` (an SQL expression of a time, e.g. `$4::timestamptz`) plus the
 * grants in force then (what the user's quota shows as `limit`).
 */
export const limitColumns = (u: string, grantsAt?: string) => `
  coalesce(${dailyLimitOf(u, 'messages', grantsAt)}, 0) AS messages_limit,
  coalesce(${dailyLimitOf(u, 'tokens', grantsAt)}, 0) AS tokens_limit`;
