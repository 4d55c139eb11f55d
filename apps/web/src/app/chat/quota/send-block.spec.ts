import type { Quota } from '@tally/api-contract';
import { ApiRequestError } from '../../core/http/api-error';
import { quotaBlockFrom } from './send-block';

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
