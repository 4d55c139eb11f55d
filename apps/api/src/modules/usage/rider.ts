/**
 * What a caller stores with an admission or a settle, as part of usage's
 * own statement (limits.sql.ts `reserveSql`, holds.sql.ts `settleSql`):
 * a send is admitted with its user message in ONE statement, and ends in
 * ONE statement instead of BEGIN, the settle, the caller's insert and
 * COMMIT. The caller owns its SQL (chat its messages, the gateway its
 * request log); usage only places it after its own CTEs.
 *
 * Rules of the SQL:
 * - `ctes` are top-level CTEs (`r_a AS (...), r_b AS (...)`), named `r_*`
 *   so they cannot clash with usage's own names. They must write only
 *   when usage's CTE for them has its row: `admitted` (the hold was
 *   taken) in an admission, `settled` (this settle is the one that counts,
 *   none when the hold was already settled) in a settle; e.g.
 *   `... FROM settled` or `WHERE EXISTS (SELECT 1 FROM settled)`. Reading
 *   it also orders the rider after usage's locks (hold, slot, counters),
 *   so its own row locks come last.
 * - `result` is one SQL expression (usually a scalar subquery of a
 *   `RETURNING` CTE as json), read back by `read`.
 * - Parameters are the rider's own, `$1` up; they are renumbered after the
 *   settle's. No other `$` may appear in its text.
 * - `name` names the combined statement text (it is prepared once per
 *   connection): one name per distinct `ctes` and `result`.
 */
export interface Rider<T> {
  name: string;
  ctes: string;
  result: string;
  params: unknown[];
  /** What the settle answers as `stored`, from `result`'s value (null when the rider wrote nothing). */
  read(result: unknown): T;
}

export function isRider<T>(x: unknown): x is Rider<T> {
  return typeof x === 'object' && x !== null && 'ctes' in x;
}

/** `sql` with its parameters `$n` renumbered to `$(n + by)`. */
export function shiftParams(sql: string, by: number): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + by}`);
}

const texts = new Map<string, string>();

/**
 * The name and text of the statement `build` makes with `rider` placed in
 * it, its parameters after usage's first `own` (the text is built once per
 * name); `base` alone without a rider.
 */
export function withRider(
  base: string,
  build: (rider?: { ctes: string; result: string }) => string,
  own: number,
  rider: Rider<unknown> | null,
): [string, string] {
  if (!rider) return [base, build()];
  const name = `${base}_${rider.name}`;
  let text = texts.get(name);
  if (text === undefined) {
    text = build({
      ctes: shiftParams(rider.ctes, own),
      result: shiftParams(rider.result, own),
    });
    texts.set(name, text);
  }
  return [name, text];
}
