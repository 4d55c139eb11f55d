/**
 * The statements that end a quota hold (limits.sql.ts admits it): the
 * settle, the reaper's release of an expired hold, and the renewal and
 * forgetting of holds. Each locks the hold row first, then the counters it
 * names in key order (scope, period_start), as the admission statement
 * does, so none of them can deadlock another.
 */

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

/** The parameters of the settle statement; a rider's follow them. */
export const SETTLE_PARAMS = 9;

/**
 * The SQLSTATE with which the one-statement settle fails (and changes
 * nothing) when it would cross an alert threshold (`tally_raise`, migration
 * 1764850000000): the caller then settles again in a transaction that
 * records the crossings (the alerts outbox).
 */
export const CROSSES_THRESHOLD = 'TA001';

/**
 * Settles a hold in one statement: the hold row is deleted (so only the
 * first settle finds it) and moved into its counters: what it held is
 * released (unless the reaper already did) and the real usage is charged.
 * The same statement adds the usage to the settled ledger of the reports
 * (`usage_daily`, and `usage_daily_models` per model). Not charged (0, 0):
 * the message is given back too. A row back means this settle was the one
 * that counted; what the answer used is stored only then (by the rider's
 * CTEs in this very statement, see rider.ts, or by the caller in the same
 * transaction), so the stored answers and the counters move together.
 * `counters` are the counters after the charge; `rider` the rider's result.
 *
 * The send's stream slot ($8) is given back by the same statement, whether
 * or not the hold was still there, before any counter is locked (the lock
 * order of RESERVE_SQL); a rider's writes come after the counters'.
 *
 * `crossing` ($9, null for none) guards the one-statement settle of a send
 * whose alert thresholds are not recorded by a transaction: json
 * `[{scope, period_start, metric, added, mark}]`, where `mark` is the
 * smallest use of that counter's metric that reaches a threshold. A counter
 * whose use goes from below a mark to at least it fails the statement with
 * CROSSES_THRESHOLD, so nothing of it happens.
 *
 * $1 hold id, $2 messages to charge (0 or 1), $3 tokens to charge,
 * $4 cost in micro-dollars, $5 model (null: no per-model ledger),
 * $6 prompt tokens, $7 completion tokens, $8 stream slot acquisition id,
 * $9 threshold marks (json, or null).
 */
export const settleSql = (rider?: { ctes: string; result: string }) => `
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
  ),
  crossing AS (
    SELECT 1 FROM moved c
    JOIN json_to_recordset(coalesce($9::json, '[]'))
      AS g (scope text, period_start date, metric text, added bigint, mark bigint)
      ON c.scope = g.scope AND c.period_start = g.period_start
    WHERE CASE g.metric WHEN 'messages' THEN c.messages WHEN 'tokens' THEN c.tokens ELSE c.cost END
      BETWEEN g.mark AND g.mark + g.added - 1
  ),
  -- One row when this settle counted, once its counters are moved: what a rider writes from.
  settled AS (SELECT h.user_id, h.day FROM h WHERE (SELECT count(*) FROM moved) >= 0)${
    rider
      ? `,
  ${rider.ctes}`
      : ''
  }
  SELECT (SELECT coalesce(json_agg(moved), '[]') FROM moved) AS counters,
         (SELECT count(*) FROM ledger) + (SELECT count(*) FROM per_model) AS ledger_rows,
         (SELECT tally_raise('${CROSSES_THRESHOLD}', 'the settle crosses an alert threshold')
          FROM crossing LIMIT 1) AS crossing${
            rider
              ? `,
         (${rider.result}) AS rider`
              : ''
          }
  FROM h`;

/** The settle statement alone (see settleSql). */
export const SETTLE_SQL = settleSql();

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
