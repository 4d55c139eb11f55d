/** A row of `GET /api/admin/requests`, as the tests read it. */
export interface LoggedRequest {
  api_key_id: string | null;
  status: string;
  code: string | null;
  started_at: string;
  count: number;
  [field: string]: unknown;
}

/**
 * The refused rows of a request log listing, checked to be at most one per
 * key (or none), code and minute (a burst may straddle a minute's end, and
 * then has one row in each); how many refusals they counted, by
 * `"<api_key_id or token> <code>"`.
 */
export function refusals(items: LoggedRequest[]): Record<string, number> {
  const seen = new Set<string>();
  const counted: Record<string, number> = {};
  for (const r of items.filter((r) => r.status === 'refused')) {
    const who = `${r.api_key_id ?? 'token'} ${r.code}`;
    const minute = `${who} ${new Date(r.started_at).toISOString().slice(0, 16)}`;
    expect(seen.has(minute) ? `a second row for ${minute}` : 'one').toBe('one');
    seen.add(minute);
    counted[who] = (counted[who] ?? 0) + r.count;
  }
  return counted;
}
