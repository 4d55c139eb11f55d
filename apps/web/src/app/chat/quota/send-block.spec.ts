import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { Quota, QuotaLimit } from '@tally/api-contract';
import { of } from 'rxjs';
import { AuthStore } from '../../core/auth/auth.store';
import { ApiRequestError } from '../../core/http/api-error';
import { QuotaStore } from '../data-access/quota.store';
import { SendBlock, quotaBlockFrom, quotaBlockOf } from './send-block';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');

function quota(resetsAt: string): Quota {
  return {
    messages: { used: 100, limit: 100, remaining: 0 },
    tokens: { used: 10, limit: 500_000, remaining: 499_990 },
    resets_at: resetsAt,
    timezone: 'UTC',
    model: 'local',
  };
}

describe('quotaBlockFrom', () => {
  it('takes the reset time from the quota object of the 429, as the contract puts it', () => {
    const body = {
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'QUOTA_MESSAGES_EXCEEDED',
      message: 'Daily message limit reached',
      quota: quota('2026-11-29T00:00:00.000Z'),
      // Not a contract field: it must not win over `quota.resets_at`.
      resets_at: '2026-11-28T12:00:01.000Z',
    };
    expect(quotaBlockFrom(new ApiRequestError(429, body), NOW)).toEqual({
      code: 'QUOTA_MESSAGES_EXCEEDED',
      resetsAt: '2026-11-29T00:00:00.000Z',
    });
  });

  it('falls back to Retry-After when the body has no quota', () => {
    const error = new ApiRequestError(
      429,
      { code: 'QUOTA_TOKENS_EXCEEDED' },
      90,
    );
    expect(quotaBlockFrom(error, NOW)).toEqual({
      code: 'QUOTA_TOKENS_EXCEEDED',
      resetsAt: '2026-11-28T12:01:30.000Z',
    });
  });

  it('is no block for other 429s and other statuses', () => {
    const quotaBody = { quota: quota('2026-11-29T00:00:00.000Z') };
    expect(
      quotaBlockFrom(
        new ApiRequestError(429, { code: 'TOO_MANY_STREAMS', ...quotaBody }),
        NOW,
      ),
    ).toBeNull();
    expect(
      quotaBlockFrom(
        new ApiRequestError(400, {
          code: 'QUOTA_MESSAGES_EXCEEDED',
          ...quotaBody,
        }),
        NOW,
      ),
    ).toBeNull();
  });
});

const WEEK: QuotaLimit = {
  id: 'week-1',
  subject: 'user',
  subject_id: 'ann',
  subject_name: 'Ann',
  metric: 'messages',
  window: 'week',
  model: null,
  shared: false,
  amount: 5,
  used: 5,
  limit: 5,
  remaining: 0,
  resets_at: '2026-11-30T00:00:00.000Z',
};
const DAILY: QuotaLimit = {
  ...WEEK,
  id: 'day-1',
  subject: 'everyone',
  subject_id: null,
  subject_name: null,
  window: 'day',
  amount: 100,
  limit: 100,
  used: 100,
  resets_at: '2026-11-29T00:00:00.000Z',
};

describe('refusals by a limit other than the daily two', () => {
  const withLimits = (q: Quota, others: QuotaLimit[]): Quota => ({
    ...q,
    limits: [
      DAILY,
      {
        ...DAILY,
        id: 'tokens-1',
        metric: 'tokens',
        amount: 500_000,
        limit: 500_000,
        used: 10,
        remaining: 499_990,
      },
      ...others,
    ],
  });

  it('takes the refusing limit and its reset from the 429', () => {
    const body = {
      statusCode: 429,
      code: 'QUOTA_MESSAGES_EXCEEDED',
      quota: withLimits(quota('2026-11-29T00:00:00.000Z'), [WEEK]),
      limit: WEEK,
    };
    expect(quotaBlockFrom(new ApiRequestError(429, body), NOW)).toEqual({
      code: 'QUOTA_MESSAGES_EXCEEDED',
      resetsAt: WEEK.resets_at,
      limit: WEEK,
    });
    // The daily counter refusing is the seed's block, without a limit.
    expect(
      quotaBlockFrom(new ApiRequestError(429, { ...body, limit: DAILY }), NOW),
    ).toEqual({ code: 'QUOTA_MESSAGES_EXCEEDED', resetsAt: DAILY.resets_at });
  });

  it('knows a cost refusal', () => {
    const budget = {
      ...WEEK,
      metric: 'cost' as const,
      window: 'month' as const,
    };
    expect(
      quotaBlockFrom(
        new ApiRequestError(429, {
          code: 'QUOTA_COST_EXCEEDED',
          quota: withLimits(quota('2026-11-29T00:00:00.000Z'), [budget]),
          limit: budget,
        }),
        NOW,
      ),
    ).toMatchObject({ code: 'QUOTA_COST_EXCEEDED', limit: budget });
  });

  it('blocks from the quota until the used-up limit that resets last', () => {
    const room = withLimits(
      {
        ...quota('2026-11-29T00:00:00.000Z'),
        messages: { used: 3, limit: 100, remaining: 97 },
      },
      [WEEK],
    );
    expect(quotaBlockOf(room, NOW)).toEqual({
      code: 'QUOTA_MESSAGES_EXCEEDED',
      resetsAt: WEEK.resets_at,
      limit: WEEK,
    });
    // Today's messages used up too: the week still decides when a send passes.
    expect(
      quotaBlockOf(withLimits(quota('2026-11-29T00:00:00.000Z'), [WEEK]), NOW),
    ).toMatchObject({ resetsAt: WEEK.resets_at, limit: WEEK });
    expect(
      quotaBlockOf(withLimits(room, [{ ...WEEK, used: 4, remaining: 1 }]), NOW),
    ).toBeNull();
  });
});

describe('quotaBlockOf', () => {
  const at = (messages: number, tokens: number, resetsAt: string): Quota => ({
    messages: { used: 100 - messages, limit: 100, remaining: messages },
    tokens: { used: 0, limit: 500_000, remaining: tokens },
    resets_at: resetsAt,
    timezone: 'UTC',
  });

  it('is the messages block when no message is left, the tokens block when no token is', () => {
    const tomorrow = '2026-11-29T00:00:00.000Z';
    expect(quotaBlockOf(at(0, 10, tomorrow), NOW)).toEqual({
      code: 'QUOTA_MESSAGES_EXCEEDED',
      resetsAt: tomorrow,
    });
    expect(quotaBlockOf(at(5, 0, tomorrow), NOW)).toEqual({
      code: 'QUOTA_TOKENS_EXCEEDED',
      resetsAt: tomorrow,
    });
    expect(quotaBlockOf(at(1, 1, tomorrow), NOW)).toBeNull();
    expect(quotaBlockOf(null, NOW)).toBeNull();
  });

  it('is no block once resets_at has passed', () => {
    expect(quotaBlockOf(at(0, 0, '2026-11-28T11:59:59.000Z'), NOW)).toBeNull();
  });
});

describe('SendBlock follows the polled quota', () => {
  const quotaSignal = signal<Quota | null>(null);
  const refresh = vi.fn();
  let block: SendBlock;

  function atLimit(resetsAt: string, remaining = 0): Quota {
    return {
      messages: { used: 1 - remaining, limit: 1, remaining },
      tokens: { used: 10, limit: 500_000, remaining: 499_990 },
      resets_at: resetsAt,
      timezone: 'UTC',
    };
  }

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    quotaSignal.set(null);
    refresh.mockReset();
    TestBed.configureTestingModule({
      providers: [
        { provide: QuotaStore, useValue: { quota: quotaSignal, refresh } },
        { provide: AuthStore, useValue: { loggedIn$: of(true) } },
      ],
    });
    block = TestBed.inject(SendBlock);
    TestBed.tick();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('closes the composer from a quota at the limit (a reload, no refused send) and opens it at resets_at', () => {
    expect(block.block()).toBeNull();
    const resetsAt = new Date(NOW + 60_000).toISOString();
    quotaSignal.set(atLimit(resetsAt));
    TestBed.tick();
    expect(block.block()).toEqual({
      code: 'QUOTA_MESSAGES_EXCEEDED',
      resetsAt,
    });

    // At resets_at it opens by itself and asks for the fresh quota.
    vi.advanceTimersByTime(60_000);
    expect(block.block()).toBeNull();
    expect(refresh).toHaveBeenCalled();
    // The fresh quota of the new day keeps it open.
    quotaSignal.set({
      ...atLimit(new Date(NOW + 86_460_000).toISOString(), 1),
    });
    TestBed.tick();
    expect(block.block()).toBeNull();
  });

  it('opens again when a later quota has room (the limit was raised)', () => {
    const resetsAt = new Date(NOW + 3_600_000).toISOString();
    quotaSignal.set(atLimit(resetsAt));
    TestBed.tick();
    expect(block.block()?.code).toBe('QUOTA_MESSAGES_EXCEEDED');
    quotaSignal.set(atLimit(resetsAt, 1));
    TestBed.tick();
    expect(block.block()).toBeNull();
  });

  it('keeps a 429 block that the quota does not contradict', () => {
    const resetsAt = new Date(NOW + 3_600_000).toISOString();
    block.set({ code: 'QUOTA_TOKENS_EXCEEDED', resetsAt });
    quotaSignal.set(atLimit(resetsAt, 1));
    TestBed.tick();
    expect(block.block()).toEqual({ code: 'QUOTA_TOKENS_EXCEEDED', resetsAt });
  });
});

describe('quotaBlockOf and exhausted limits', () => {
  const cost: QuotaLimit = {
    id: 'month-cost',
    subject: 'user',
    subject_id: 'ann',
    subject_name: 'Ann',
    metric: 'cost',
    window: 'month',
    model: 'gpt-4o-mini',
    shared: false,
    amount: 5_000_000,
    used: 4_995_000,
    limit: 5_000_000,
    remaining: 5_000,
    resets_at: '2026-12-01T00:00:00.000Z',
    exhausted: true,
  };
  const open: Quota = {
    messages: { used: 1, limit: 100, remaining: 99 },
    tokens: { used: 10, limit: 500_000, remaining: 499_990 },
    resets_at: '2026-11-29T00:00:00.000Z',
    timezone: 'UTC',
    model: 'gpt-4o-mini',
  };

  it('shuts the composer for a limit exhausted with something still left ($4.995 of $5)', () => {
    expect(quotaBlockOf({ ...open, limits: [cost] }, NOW)).toEqual({
      code: 'QUOTA_COST_EXCEEDED',
      resetsAt: '2026-12-01T00:00:00.000Z',
      limit: cost,
    });
    expect(
      quotaBlockOf({ ...open, limits: [{ ...cost, exhausted: false }] }, NOW),
    ).toBeNull();
  });

  it('shuts it for an exhausted daily token counter too', () => {
    const daily: QuotaLimit = {
      ...cost,
      id: 'daily-tokens',
      subject: 'everyone',
      subject_id: null,
      subject_name: null,
      metric: 'tokens',
      window: 'day',
      model: null,
      amount: 500_000,
      used: 499_999,
      limit: 500_000,
      remaining: 1,
      resets_at: '2026-11-29T00:00:00.000Z',
    };
    expect(quotaBlockOf({ ...open, limits: [daily] }, NOW)).toEqual({
      code: 'QUOTA_TOKENS_EXCEEDED',
      resetsAt: '2026-11-29T00:00:00.000Z',
    });
  });
});
