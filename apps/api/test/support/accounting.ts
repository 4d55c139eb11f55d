/**
 * The accounting invariant (docs/operations.md, "Accounting invariant"):
 * once no answer is in progress and the holds' TTL has passed, every user's
 * counters equal a recount from the stored answers, and nothing is held:
 *
 * - messages charged = stored assistant messages that carry token counts
 *   (a send that failed before any text is stored without them, uncharged),
 *   and logged requests of the OpenAI-compatible endpoint that do;
 * - tokens = the sum of their prompt + completion tokens;
 * - cost = the sum of their cost;
 * - nothing is held on any of the user's counters, and no hold is unreleased;
 * - the user's own counters of every window (day, ISO week, month, over
 *   all models) add up to the same messages, tokens and cost, and those of
 *   each model to that model's answers.
 *
 * It holds for users who deleted no chat (deleting a chat never gives
 * quota back, so its answers stay counted but are no longer stored).
 */

/** Runs one statement against the database under test. */
export type Query = <T = Record<string, unknown>>(
  text: string,
  params?: unknown[],
) => Promise<T[]>;

export interface Accounting {
  user_id: string;
  /** From the settled ledger (usage_daily, all days). */
  messages: number;
  tokens: number;
  cost: number;
  held_messages: number;
  held_tokens: number;
  /** Holds neither settled nor released. */
  open_holds: number;
  /** The user's own counters (every window and model) that still hold something. */
  open_counters: number;
  /** Windows or models whose counters do not add up to the stored answers (0 when all do). */
  windows_off: number;
  /** Recounted from the stored messages. */
  stored_messages: number;
  stored_tokens: number;
  stored_cost: number;
}

const ACCOUNTING_SQL = `
  WITH counted AS (
    SELECT user_id, sum(messages)::bigint AS messages, sum(tokens)::bigint AS tokens,
           sum(cost)::bigint AS cost
    FROM usage_daily GROUP BY user_id
  ),
  own AS (
    SELECT split_part(scope, ':', 2)::uuid AS user_id, split_part(scope, ':', 3) AS win,
           split_part(scope, ':', 4) AS model,
           sum(messages)::bigint AS messages, sum(tokens)::bigint AS tokens, sum(cost)::bigint AS cost,
           sum(held_messages)::bigint AS held_messages, sum(held_tokens)::bigint AS held_tokens,
           sum(held_cost)::bigint AS held_cost
    FROM usage_counters WHERE scope LIKE 'u:%' GROUP BY 1, 2, 3
  ),
  held AS (
    SELECT user_id,
           sum(held_messages) FILTER (WHERE win = 'day' AND model = '*')::bigint AS held_messages,
           sum(held_tokens) FILTER (WHERE win = 'day' AND model = '*')::bigint AS held_tokens,
           count(*) FILTER (WHERE held_messages > 0 OR held_tokens > 0 OR held_cost > 0) AS open_counters
    FROM own GROUP BY user_id
  ),
  -- What was charged, as stored: chat answers, and requests of the OpenAI-compatible endpoint.
  answers AS (
    SELECT c.user_id, m.model, m.prompt_tokens, m.completion_tokens, m.cost
    FROM messages m JOIN chats c ON c.id = m.chat_id
    WHERE m.role = 'assistant' AND m.prompt_tokens IS NOT NULL
    UNION ALL
    SELECT g.user_id, g.model, g.prompt_tokens, g.completion_tokens, g.cost
    FROM gateway_requests g WHERE g.prompt_tokens IS NOT NULL
  ),
  by_model AS (
    SELECT user_id, model, count(*)::bigint AS messages,
           sum(prompt_tokens + completion_tokens)::bigint AS tokens,
           sum(coalesce(cost, 0))::bigint AS cost
    FROM answers GROUP BY user_id, model
  ),
  stored AS (
    SELECT user_id, count(*)::bigint AS messages,
           sum(prompt_tokens + completion_tokens)::bigint AS tokens,
           sum(coalesce(cost, 0))::bigint AS cost
    FROM answers GROUP BY user_id
  ),
  holds AS (
    SELECT user_id, count(*)::bigint AS n FROM usage_holds
    WHERE released_at IS NULL GROUP BY user_id
  )
  SELECT u.id AS user_id,
         coalesce(counted.messages, 0) AS messages, coalesce(counted.tokens, 0) AS tokens,
         coalesce(counted.cost, 0) AS cost,
         coalesce(held.held_messages, 0) AS held_messages,
         coalesce(held.held_tokens, 0) AS held_tokens,
         coalesce(held.open_counters, 0) AS open_counters,
         (SELECT count(*) FROM (VALUES ('day'), ('week'), ('month')) w (win)
          LEFT JOIN own o ON o.user_id = u.id AND o.win = w.win AND o.model = '*'
          WHERE (coalesce(o.messages, 0), coalesce(o.tokens, 0), coalesce(o.cost, 0))
            IS DISTINCT FROM (coalesce(stored.messages, 0), coalesce(stored.tokens, 0), coalesce(stored.cost, 0)))
         + (SELECT count(*) FROM by_model b
            CROSS JOIN (VALUES ('day'), ('week'), ('month')) w (win)
            LEFT JOIN own o ON o.user_id = b.user_id AND o.win = w.win AND o.model = b.model
            WHERE b.user_id = u.id AND b.model IS NOT NULL
              AND (coalesce(o.messages, 0), coalesce(o.tokens, 0), coalesce(o.cost, 0))
                IS DISTINCT FROM (b.messages, b.tokens, b.cost)) AS windows_off,
         coalesce(holds.n, 0) AS open_holds,
         coalesce(stored.messages, 0) AS stored_messages,
         coalesce(stored.tokens, 0) AS stored_tokens,
         coalesce(stored.cost, 0) AS stored_cost
  FROM users u
  LEFT JOIN counted ON counted.user_id = u.id
  LEFT JOIN stored ON stored.user_id = u.id
  LEFT JOIN holds ON holds.user_id = u.id
  LEFT JOIN held ON held.user_id = u.id
  WHERE $1::uuid[] IS NULL OR u.id = ANY($1::uuid[])
  ORDER BY u.id`;

/** Every user's counters beside their recount (of `userIds` only, when given). */
export async function accounting(
  query: Query,
  userIds?: string[],
): Promise<Accounting[]> {
  const rows = await query<Record<string, unknown>>(ACCOUNTING_SQL, [
    userIds ?? null,
  ]);
  return rows.map((r) => {
    const out = { user_id: String(r.user_id) } as Accounting;
    for (const [k, v] of Object.entries(r))
      if (k !== 'user_id')
        (out as unknown as Record<string, number>)[k] = Number(v);
    return out;
  });
}

/** Whether the invariant holds for one user's row. */
export function balanced(a: Accounting): boolean {
  return (
    a.messages === a.stored_messages &&
    a.tokens === a.stored_tokens &&
    a.cost === a.stored_cost &&
    a.held_messages === 0 &&
    a.held_tokens === 0 &&
    a.open_holds === 0 &&
    a.open_counters === 0 &&
    a.windows_off === 0
  );
}

/**
 * Asserts the invariant for every user (or `userIds`), naming the users it
 * fails for. Returns the rows checked.
 */
export async function expectAccountingBalanced(
  query: Query,
  userIds?: string[],
): Promise<Accounting[]> {
  const rows = await accounting(query, userIds);
  expect(rows.filter((r) => !balanced(r))).toEqual([]);
  return rows;
}
