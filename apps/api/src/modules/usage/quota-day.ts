/**
 * Calendar days in an IANA time zone, computed with `Intl.DateTimeFormat`
 * only. A quota day is `YYYY-MM-DD`; it starts at the first instant whose
 * local date is that day, which is not always 00:00 (a DST change at
 * midnight skips it: `America/Santiago` on 2026-09-06 starts at 01:00) and
 * lasts 23, 24 or 25 hours.
 */

const DAY_MS = 86_400_000;
/** Farther than any UTC offset (-12:00..+14:00) plus a DST change. */
const SEARCH_BEFORE_MS = 16 * 3_600_000;
const SEARCH_AFTER_MS = 14 * 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The calendar day (`YYYY-MM-DD`) in `timeZone` at the instant `ms`. */
export function dayAt(ms: number, timeZone: string): string {
  let year = '';
  let month = '';
  let day = '';
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type === 'year') year = p.value.padStart(4, '0');
    else if (p.type === 'month') month = p.value;
    else if (p.type === 'day') day = p.value;
  }
  return `${year}-${month}-${day}`;
}

/** Whether `s` is a real calendar day written `YYYY-MM-DD`. */
export function isCalendarDay(s: unknown): s is string {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return (
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === m - 1 &&
    t.getUTCDate() === d
  );
}

/** `day` plus `n` calendar days. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d + n);
  return t.toISOString().slice(0, 10);
}

/** Calendar days from `from` to `to`, both included (0 or less when `to` is before `from`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((utcMidnight(to) - utcMidnight(from)) / DAY_MS) + 1;
}

function utcMidnight(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t.getTime();
}

const starts = new Map<string, number>();

/**
 * The first instant (ms since the epoch) whose local date in `timeZone` is
 * `day` or later. Local dates never go backwards across a DST change at or
 * before midnight, so a binary search over the ±16 h around UTC midnight
 * finds it to the millisecond.
 */
export function startOfDay(day: string, timeZone: string): number {
  const key = `${timeZone} ${day}`;
  const cached = starts.get(key);
  if (cached !== undefined) return cached;
  const wall = utcMidnight(day);
  let lo = wall - SEARCH_BEFORE_MS; // local date before `day` here
  let hi = wall + SEARCH_AFTER_MS; // and `day` or later here
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (dayAt(mid, timeZone) >= day) hi = mid;
    else lo = mid;
  }
  if (starts.size > 10_000) starts.clear();
  starts.set(key, hi);
  return hi;
}

/** The quota day at `ms` and the instant the next one starts. */
export function quotaDay(
  ms: number,
  timeZone: string,
): { day: string; resetsAt: number } {
  const day = dayAt(ms, timeZone);
  return { day, resetsAt: startOfDay(addDays(day, 1), timeZone) };
}

/** Whole seconds from `nowMs` until `untilMs`, rounded up, never below 0. */
export function secondsUntil(untilMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
}
