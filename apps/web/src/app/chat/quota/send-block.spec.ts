import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { Quota } from '@tally/api-contract';
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
