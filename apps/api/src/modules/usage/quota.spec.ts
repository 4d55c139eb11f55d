import type { LimitRow } from './quota';
import {
  exhaustsAt,
  rateLimitHeaders,
  toLimit,
  toQuota,
  toQuotaLimit,
} from './quota';
import { refusingLimit } from './refusal';
import { windowsAt } from './windows';

const NOW = Date.parse('2026-11-28T12:49:47.000Z');
const windows = windowsAt(NOW, 'UTC');

const row = (
  o: Partial<LimitRow> & Pick<LimitRow, 'id' | 'metric'>,
): LimitRow => ({
  scope: 'u:x:day:*',
  period_start: '2026-11-28',
  subject: 'everyone',
  subject_id: null,
  subject_name: null,
  window: 'day',
  model: null,
  shared: false,
  amount: 0,
  lim: o.amount ?? 0,
  settled: 0,
  held: 0,
  ...o,
});

const messages = row({
  id: 'm',
  metric: 'messages',
  amount: 100,
  settled: 2,
  held: 1,
});
const tokens = row({
  id: 't',
  metric: 'tokens',
  amount: 500000,
  settled: 1200,
});
const pool = row({
  id: 'p',
  metric: 'cost',
  window: 'month',
  subject: 'group',
  subject_id: 'g',
  subject_name: 'Research',
  shared: true,
  amount: 200000000,
  settled: 41250000,
});

describe('quota', () => {
  it("is API.md's example: the two daily limits, then every other one", () => {
    const limits = [pool, tokens, messages].map((r) => toLimit(r, windows));
    const q = toQuota(limits, windows, 'UTC', 'local');
    expect(q).toMatchObject({
      messages: { used: 3, limit: 100, remaining: 97 },
      tokens: { used: 1200, limit: 500000, remaining: 498800 },
      resets_at: '2026-11-29T00:00:00.000Z',
      timezone: 'UTC',
      model: 'local',
    });
    expect(q.limits?.map((l) => l.id)).toEqual(['m', 't', 'p']);
    expect(q.limits?.[2]).toEqual({
      id: 'p',
      subject: 'group',
      subject_id: 'g',
      subject_name: 'Research',
      metric: 'cost',
      window: 'month',
      model: null,
      shared: true,
      amount: 200000000,
      used: 41250000,
      limit: 200000000,
      remaining: 158750000,
      resets_at: '2026-12-01T00:00:00.000Z',
      exhausted: false,
    });
    expect(rateLimitHeaders(q, NOW)).toEqual({
      'RateLimit-Policy':
        '"daily-messages";q=100;w=86400, "daily-tokens";q=500000;w=86400, "p";q=200000000;w=2592000',
      RateLimit:
        '"daily-messages";r=97;t=40213, "daily-tokens";r=498800;t=40213, "p";r=158750000;t=213013',
    });
  });

  it('counts held tokens against remaining only, never below 0', () => {
    const l = toLimit(
      row({ id: 't', metric: 'tokens', amount: 1000, settled: 900, held: 300 }),
      windows,
    );
    expect([l.used, l.limit, l.remaining]).toEqual([900, 1000, 0]);
  });

  it('adds grants to the limit, not to the amount', () => {
    const l = toLimit(
      row({ id: 'm', metric: 'messages', amount: 10, lim: 15, settled: 12 }),
      windows,
    );
    expect([l.amount, l.limit, l.remaining]).toEqual([10, 15, 3]);
  });
});

describe('refusingLimit', () => {
  const at = (o: Partial<LimitRow> & Pick<LimitRow, 'id' | 'metric'>) =>
    toLimit(row(o), windows);

  it('names, of the limits that refuse, the one that resets last', () => {
    const limits = [
      at({ id: 'day', metric: 'messages', amount: 5, settled: 5 }),
      at({
        id: 'week',
        metric: 'messages',
        window: 'week',
        amount: 20,
        settled: 20,
      }),
      at({
        id: 'month',
        metric: 'messages',
        window: 'month',
        amount: 80,
        settled: 20,
      }),
    ];
    expect(refusingLimit(limits, 10, 0, 0)?.id).toBe('week');
  });

  it('refuses a token limit that leaves no answer token after the prompt', () => {
    const l = at({ id: 't', metric: 'tokens', amount: 100, settled: 50 });
    expect(refusingLimit([l], 49, 0, 0)).toBeNull();
    expect(refusingLimit([l], 50, 0, 0)?.id).toBe('t');
  });

  it('refuses a cost limit that cannot pay for the prompt and one answer token', () => {
    // $2.50 / $10 per million tokens: 2.5 and 10 micro-dollars per token.
    const l = at({ id: 'c', metric: 'cost', amount: 1000, settled: 740 });
    expect(refusingLimit([l], 100, 2.5, 10)).toBeNull(); // 260 - 250 = 10: one token
    expect(refusingLimit([l], 101, 2.5, 10)?.id).toBe('c');
    // A free model never spends money.
    const spent = at({ id: 'c', metric: 'cost', amount: 1000, settled: 1000 });
    expect(refusingLimit([spent], 100, 0, 0)).toBeNull();
  });
});

describe('exhausted', () => {
  const cost = (settled: number, held = 0) =>
    row({ id: 'c', metric: 'cost', amount: 5_000_000, settled, held });
  const at =
    (prices: { inputPrice: number; outputPrice: number } | null) =>
    (r: LimitRow) =>
      toQuotaLimit(toLimit(r, windows, prices));

  it('is what is left under the price of one prompt and one output token, rounded up', () => {
    const p = { inputPrice: 0.15, outputPrice: 0.6 }; // 1 micro-dollar, rounded up
    expect(at(p)(cost(4_999_999)).exhausted).toBe(false);
    expect(at(p)(cost(5_000_000)).exhausted).toBe(true);
    const dear = { inputPrice: 2_500.5, outputPrice: 3_000 }; // 5 501 micro-dollars
    expect(at(dear)(cost(4_994_499)).exhausted).toBe(false);
    expect(at(dear)(cost(4_994_000, 500)).exhausted).toBe(true);
    expect(exhaustsAt(toLimit(cost(0), windows, dear))).toBe(4_994_500);
  });

  it('never for a cost limit of a model priced 0 (or unknown); tokens under 2; messages at 0', () => {
    expect(
      at({ inputPrice: 0, outputPrice: 0 })(cost(5_000_000)).exhausted,
    ).toBe(false);
    expect(at(null)(cost(5_000_000)).exhausted).toBe(false);
    const tokens = (settled: number) =>
      row({ id: 't', metric: 'tokens', amount: 100, settled });
    expect(at(null)(tokens(98)).exhausted).toBe(false);
    expect(at(null)(tokens(99)).exhausted).toBe(true);
    const msgs = (settled: number) =>
      row({ id: 'm', metric: 'messages', amount: 3, settled });
    expect(at(null)(msgs(2)).exhausted).toBe(false);
    expect(at(null)(msgs(3)).exhausted).toBe(true);
  });
});
