import {
  addDays,
  dayAt,
  daysBetween,
  isCalendarDay,
  quotaDay,
  secondsUntil,
  startOfDay,
} from './quota-day';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('quota days', () => {
  describe('UTC', () => {
    it('starts at midnight and resets at the next one', () => {
      expect(dayAt(at('2026-11-28T23:59:59.999Z'), 'UTC')).toBe('2026-11-28');
      expect(dayAt(at('2026-11-29T00:00:00.000Z'), 'UTC')).toBe('2026-11-29');
      const q = quotaDay(at('2026-11-28T12:49:47.000Z'), 'UTC');
      expect(q.day).toBe('2026-11-28');
      expect(iso(q.resetsAt)).toBe('2026-11-29T00:00:00.000Z');
      expect(secondsUntil(q.resetsAt, at('2026-11-28T12:49:47.000Z'))).toBe(
        40213,
      );
    });

    it('rounds the seconds until the reset up', () => {
      expect(
        secondsUntil(
          at('2026-11-29T00:00:00.000Z'),
          at('2026-11-28T23:59:58.001Z'),
        ),
      ).toBe(2);
      expect(
        secondsUntil(
          at('2026-11-29T00:00:00.000Z'),
          at('2026-11-28T23:59:59.000Z'),
        ),
      ).toBe(1);
      expect(
        secondsUntil(
          at('2026-11-29T00:00:00.000Z'),
          at('2026-11-29T00:00:00.000Z'),
        ),
      ).toBe(0);
    });

    it('crosses years and leap days', () => {
      expect(iso(quotaDay(at('2026-12-31T10:00:00Z'), 'UTC').resetsAt)).toBe(
        '2027-01-01T00:00:00.000Z',
      );
      expect(iso(quotaDay(at('2028-02-28T10:00:00Z'), 'UTC').resetsAt)).toBe(
        '2028-02-29T00:00:00.000Z',
      );
    });
  });

  describe('America/New_York', () => {
    const tz = 'America/New_York';

    it('has a 23-hour day when DST begins (2026-03-08)', () => {
      expect(iso(startOfDay('2026-03-08', tz))).toBe(
        '2026-03-08T05:00:00.000Z',
      ); // 00:00 EST
      expect(iso(startOfDay('2026-03-09', tz))).toBe(
        '2026-03-09T04:00:00.000Z',
      ); // 00:00 EDT
      // 01:59 EST, then 03:00 EDT: the same day, which resets 23 hours after it began.
      const before = quotaDay(at('2026-03-08T06:59:00Z'), tz);
      const after = quotaDay(at('2026-03-08T07:00:00Z'), tz);
      expect([before.day, after.day]).toEqual(['2026-03-08', '2026-03-08']);
      expect(iso(after.resetsAt)).toBe('2026-03-09T04:00:00.000Z');
      expect(after.resetsAt - startOfDay('2026-03-08', tz)).toBe(23 * 3600_000);
      // The evening before: the next day still starts at midnight EST.
      expect(iso(quotaDay(at('2026-03-08T04:59:59Z'), tz).resetsAt)).toBe(
        '2026-03-08T05:00:00.000Z',
      );
      expect(quotaDay(at('2026-03-08T04:59:59Z'), tz).day).toBe('2026-03-07');
    });

    it('has a 25-hour day when DST ends (2026-11-01)', () => {
      expect(iso(startOfDay('2026-11-01', tz))).toBe(
        '2026-11-01T04:00:00.000Z',
      ); // 00:00 EDT
      expect(iso(startOfDay('2026-11-02', tz))).toBe(
        '2026-11-02T05:00:00.000Z',
      ); // 00:00 EST
      // 01:30 happens twice; both are 2026-11-01.
      expect(dayAt(at('2026-11-01T05:30:00Z'), tz)).toBe('2026-11-01');
      expect(dayAt(at('2026-11-01T06:30:00Z'), tz)).toBe('2026-11-01');
      const q = quotaDay(at('2026-11-01T06:30:00Z'), tz);
      expect(iso(q.resetsAt)).toBe('2026-11-02T05:00:00.000Z');
      expect(q.resetsAt - startOfDay('2026-11-01', tz)).toBe(25 * 3600_000);
      expect(secondsUntil(q.resetsAt, at('2026-11-01T06:30:00Z'))).toBe(81000);
    });
  });

  describe('America/Santiago', () => {
    const tz = 'America/Santiago';

    it('starts 2026-09-06 at 01:00: the clocks skip midnight', () => {
      // Chile's DST begins on the first Saturday of September at 24:00, which in 2026 is 09-05.
      const start = startOfDay('2026-09-06', tz);
      expect(iso(start)).toBe('2026-09-06T04:00:00.000Z');
      expect(
        new Intl.DateTimeFormat('en-GB', {
          timeZone: tz,
          timeStyle: 'short',
        }).format(start),
      ).toBe('01:00');
      expect(dayAt(start - 1, tz)).toBe('2026-09-05');
      expect(dayAt(start, tz)).toBe('2026-09-06');
      const q = quotaDay(at('2026-09-05T20:00:00Z'), tz);
      expect(q.day).toBe('2026-09-05');
      expect(iso(q.resetsAt)).toBe('2026-09-06T04:00:00.000Z');
      // That day then has 23 hours and ends at midnight -03.
      expect(iso(quotaDay(start, tz).resetsAt)).toBe(
        '2026-09-07T03:00:00.000Z',
      );
    });

    it('repeats 23:00 when DST ends (2026-04-04), and the next day starts at midnight -04', () => {
      expect(iso(startOfDay('2026-04-05', tz))).toBe(
        '2026-04-05T04:00:00.000Z',
      );
      expect(startOfDay('2026-04-05', tz) - startOfDay('2026-04-04', tz)).toBe(
        25 * 3600_000,
      );
    });
  });

  it('handles zones east of UTC', () => {
    expect(
      iso(quotaDay(at('2026-06-15T20:00:00Z'), 'Pacific/Kiritimati').resetsAt),
    ).toBe('2026-06-16T10:00:00.000Z');
    expect(quotaDay(at('2026-06-15T20:00:00Z'), 'Asia/Kolkata').day).toBe(
      '2026-06-16',
    );
    expect(
      iso(quotaDay(at('2026-06-15T20:00:00Z'), 'Asia/Kolkata').resetsAt),
    ).toBe('2026-06-16T18:30:00.000Z');
  });

  it('does calendar arithmetic', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-11-28', -29)).toBe('2026-10-30');
    expect(daysBetween('2026-01-01', '2026-01-01')).toBe(1);
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(365);
    expect(daysBetween('2028-01-01', '2028-12-31')).toBe(366);
    expect(daysBetween('2026-01-02', '2026-01-01')).toBe(0);
    // Across a DST change of the machine's zone, too (dates are UTC-based).
    expect(daysBetween('2026-03-01', '2026-03-31')).toBe(31);
  });

  it('recognises real calendar days only', () => {
    expect(isCalendarDay('2026-02-28')).toBe(true);
    expect(isCalendarDay('2028-02-29')).toBe(true);
    expect(isCalendarDay('2026-02-29')).toBe(false);
    expect(isCalendarDay('2026-13-01')).toBe(false);
    expect(isCalendarDay('2026-1-01')).toBe(false);
    expect(isCalendarDay('2026-01-01T00:00:00Z')).toBe(false);
    expect(isCalendarDay(20260101)).toBe(false);
  });
});
