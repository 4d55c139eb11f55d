import { rateLimitHeaders, toQuota } from './quota';

describe('quota', () => {
  const resetsAt = Date.parse('2026-11-29T00:00:00.000Z');

  it("is API.md's example", () => {
    const q = toQuota(
      {
        messages: 2,
        heldMessages: 1,
        tokens: 1200,
        heldTokens: 0,
        messagesLimit: 100,
        tokensLimit: 500000,
      },
      resetsAt,
      'UTC',
    );
    expect(q).toEqual({
      messages: { used: 3, limit: 100, remaining: 97 },
      tokens: { used: 1200, limit: 500000, remaining: 498800 },
      resets_at: '2026-11-29T00:00:00.000Z',
      timezone: 'UTC',
    });
    expect(rateLimitHeaders(q, Date.parse('2026-11-28T12:49:47.000Z'))).toEqual(
      {
        'RateLimit-Policy':
          '"daily-messages";q=100;w=86400, "daily-tokens";q=500000;w=86400',
        RateLimit:
          '"daily-messages";r=97;t=40213, "daily-tokens";r=498800;t=40213',
      },
    );
  });

  it('counts held tokens against remaining only, never below 0', () => {
    const q = toQuota(
      {
        messages: 1,
        heldMessages: 0,
        tokens: 900,
        heldTokens: 300,
        messagesLimit: 1,
        tokensLimit: 1000,
      },
      resetsAt,
      'UTC',
    );
    expect(q.tokens).toEqual({ used: 900, limit: 1000, remaining: 0 });
    expect(q.messages).toEqual({ used: 1, limit: 1, remaining: 0 });
  });

  it('shows a lowered limit below what was used as nothing remaining', () => {
    const q = toQuota(
      {
        messages: 7,
        heldMessages: 0,
        tokens: 5000,
        heldTokens: 0,
        messagesLimit: 5,
        tokensLimit: 100,
      },
      resetsAt,
      'UTC',
    );
    expect(q.messages).toEqual({ used: 7, limit: 5, remaining: 0 });
    expect(q.tokens).toEqual({ used: 5000, limit: 100, remaining: 0 });
  });

  it('rounds t up to whole seconds', () => {
    const q = toQuota(
      {
        messages: 0,
        heldMessages: 0,
        tokens: 0,
        heldTokens: 0,
        messagesLimit: 0,
        tokensLimit: 0,
      },
      resetsAt,
      'UTC',
    );
    expect(rateLimitHeaders(q, resetsAt - 1).RateLimit).toBe(
      '"daily-messages";r=0;t=1, "daily-tokens";r=0;t=1',
    );
  });
});
