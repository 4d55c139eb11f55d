import { monthStart, nextMonthStart, weekStart, windowsAt } from './windows';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('windows', () => {
  it('finds the ISO week from Monday and the month from the 1st', () => {
    expect(weekStart('2026-11-30')).toBe('2026-11-30'); // a Monday
    expect(weekStart('2026-12-06')).toBe('2026-11-30'); // the Sunday after
    expect(weekStart('2027-01-01')).toBe('2026-12-28'); // across a year end
    expect(monthStart('2026-02-28')).toBe('2026-02-01');
    expect(nextMonthStart('2026-12-31')).toBe('2027-01-01');
    expect(nextMonthStart('2028-01-31')).toBe('2028-02-01');
  });

  it('ends the day, week and month at the next start in the zone, in UTC', () => {
    const w = windowsAt(at('2026-12-31T23:59:59.000Z'), 'UTC');
    expect(w.day).toEqual({
      window: 'day',
      start: '2026-12-31',
      resetsAt: at('2027-01-01T00:00:00.000Z'),
    });
    expect(w.week.start).toBe('2026-12-28');
    expect(iso(w.week.resetsAt)).toBe('2027-01-04T00:00:00.000Z');
    expect(w.month.start).toBe('2026-12-01');
    expect(iso(w.month.resetsAt)).toBe('2027-01-01T00:00:00.000Z');
  });

  it('follows the zone: a week that starts in Berlin before it starts in UTC', () => {
    // Monday 2026-11-30 00:30 in Berlin is Sunday 23:30 UTC.
    const w = windowsAt(at('2026-11-29T23:30:00.000Z'), 'Europe/Berlin');
    expect(w.day.start).toBe('2026-11-30');
    expect(w.week.start).toBe('2026-11-30');
    expect(iso(w.week.resetsAt)).toBe('2026-12-06T23:00:00.000Z');
    expect(w.month.start).toBe('2026-11-01');
    expect(iso(w.month.resetsAt)).toBe('2026-11-30T23:00:00.000Z');
  });

  it('is right across a DST change: the week and month that hold it are an hour shorter', () => {
    // Europe/Berlin springs forward on Sunday 2027-03-28.
    const w = windowsAt(at('2027-03-28T12:00:00.000Z'), 'Europe/Berlin');
    expect(w.day.start).toBe('2027-03-28');
    expect(iso(w.day.resetsAt)).toBe('2027-03-28T22:00:00.000Z'); // 23 h day
    expect(w.week.start).toBe('2027-03-22');
    expect(iso(w.week.resetsAt)).toBe('2027-03-28T22:00:00.000Z');
    expect(iso(w.month.resetsAt)).toBe('2027-03-31T22:00:00.000Z');
  });

  it('starts a window at the first instant of its day where midnight is skipped', () => {
    // America/Santiago: 2026-09-06 starts at 01:00 local (04:00 UTC), and
    // the next Monday at 00:00 local, now UTC-3.
    const w = windowsAt(at('2026-09-05T12:00:00.000Z'), 'America/Santiago');
    expect(iso(w.day.resetsAt)).toBe('2026-09-06T04:00:00.000Z');
    expect(w.week.start).toBe('2026-08-31');
    expect(iso(w.week.resetsAt)).toBe('2026-09-07T03:00:00.000Z');
  });

  it('keeps the windows for as long as their day lasts, and not an instant longer', () => {
    // Berlin's 2027-03-28 (23 h): 2027-03-27T23:00Z to 2027-03-28T22:00Z.
    const first = windowsAt(at('2027-03-28T12:00:00.000Z'), 'Europe/Berlin');
    expect(windowsAt(at('2027-03-27T23:00:00.000Z'), 'Europe/Berlin')).toBe(
      first,
    );
    expect(windowsAt(at('2027-03-28T21:59:59.999Z'), 'Europe/Berlin')).toBe(
      first,
    );
    expect(Object.isFrozen(first.day)).toBe(true);
    // Another zone in between changes nothing for this one.
    expect(windowsAt(at('2027-03-28T12:00:00.000Z'), 'UTC').day.start).toBe(
      '2027-03-28',
    );
    const next = windowsAt(at('2027-03-28T22:00:00.000Z'), 'Europe/Berlin');
    expect(next.day.start).toBe('2027-03-29');
    expect(next.week.start).toBe('2027-03-29');
    expect(iso(next.day.resetsAt)).toBe('2027-03-29T22:00:00.000Z');
    // A clock that goes back gets the earlier day again, not the cached one.
    const before = windowsAt(at('2027-03-27T22:59:59.999Z'), 'Europe/Berlin');
    expect(before.day.start).toBe('2027-03-27');
    expect(iso(before.day.resetsAt)).toBe('2027-03-27T23:00:00.000Z');
    expect(windowsAt(at('2027-03-28T00:00:00.000Z'), 'Europe/Berlin')).toEqual(
      first,
    );
  });
});
