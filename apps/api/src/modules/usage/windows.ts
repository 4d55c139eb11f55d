import type { LimitWindow } from '@tally/api-contract';
import { addDays, dayAt, startOfDay } from './quota-day';

/**
 * The calendar windows of limits in an IANA time zone (API.md "Limits"):
 * the day, the ISO week (from Monday) and the month (from the 1st). Each
 * starts at the first instant of its first day in the zone (see
 * quota-day.ts: not always 00:00, and days are 23 to 25 hours long), so a
 * window's end is the start of the next one, right across DST changes and
 * month ends.
 */
export interface WindowSpan {
  window: LimitWindow;
  /** The window's first calendar day (`YYYY-MM-DD`): the key of its counters. */
  start: string;
  /** When the next window starts (ms since the epoch). */
  resetsAt: number;
}

export type Windows = Record<LimitWindow, WindowSpan>;

/** Monday (ISO week start) of the week that holds `day`. */
export function weekStart(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  const sinceMonday = (t.getUTCDay() + 6) % 7;
  return addDays(day, -sinceMonday);
}

/** The 1st of the month that holds `day`. */
export function monthStart(day: string): string {
  return `${day.slice(0, 8)}01`;
}

/** The 1st of the month after the one that holds `day`. */
export function nextMonthStart(day: string): string {
  const [y, m] = day.split('-').map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m, 1); // month index m is the next month
  return t.toISOString().slice(0, 10);
}

/** The windows last computed per zone, and the instants between which they are in force. */
const inForce = new Map<
  string,
  { from: number; until: number; windows: Windows }
>();

/**
 * The day, week and month in force at `ms` in `timeZone`. They change only
 * when the day does, so the answer is kept per zone for as long as its day
 * lasts (from the day's first instant until `day.resetsAt`): every quota
 * read asks, and the time-zone arithmetic cost more than the rest of it.
 * The returned object is shared and frozen.
 */
export function windowsAt(ms: number, timeZone: string): Windows {
  const hit = inForce.get(timeZone);
  if (hit && ms >= hit.from && ms < hit.until) return hit.windows;
  const windows = computeWindows(ms, timeZone);
  if (inForce.size >= 100) inForce.clear();
  inForce.set(timeZone, {
    from: startOfDay(windows.day.start, timeZone),
    until: windows.day.resetsAt,
    windows,
  });
  return windows;
}

function computeWindows(ms: number, timeZone: string): Windows {
  const day = dayAt(ms, timeZone);
  const week = weekStart(day);
  const month = monthStart(day);
  return Object.freeze({
    day: Object.freeze({
      window: 'day' as const,
      start: day,
      resetsAt: startOfDay(addDays(day, 1), timeZone),
    }),
    week: Object.freeze({
      window: 'week' as const,
      start: week,
      resetsAt: startOfDay(addDays(week, 7), timeZone),
    }),
    month: Object.freeze({
      window: 'month' as const,
      start: month,
      resetsAt: startOfDay(nextMonthStart(day), timeZone),
    }),
  });
}

/** Order of windows by length, for a stable order of limits. */
export const WINDOW_ORDER: Record<LimitWindow, number> = {
  day: 0,
  week: 1,
  month: 2,
};
