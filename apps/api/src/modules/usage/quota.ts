import type { Quota } from '@tally/api-contract';
import { secondsUntil } from './quota-day';

/** A user's counters for one quota day and the limits that apply to them. */
export interface QuotaState {
  /** Settled messages. */
  messages: number;
  /** Admitted sends still in progress. */
  heldMessages: number;
  /** Settled tokens. */
  tokens: number;
  /** Tokens reserved by sends in progress (estimated prompt + output cap). */
  heldTokens: number;
  messagesLimit: number;
  tokensLimit: number;
}

/** API.md's `Quota`: messages in progress count as used; held tokens only lower `remaining`. */
export function toQuota(
  s: QuotaState,
  resetsAt: number,
  timezone: string,
): Quota {
  const messagesUsed = s.messages + s.heldMessages;
  return {
    messages: {
      used: messagesUsed,
      limit: s.messagesLimit,
      remaining: Math.max(0, s.messagesLimit - messagesUsed),
    },
    tokens: {
      used: s.tokens,
      limit: s.tokensLimit,
      remaining: Math.max(0, s.tokensLimit - s.tokens - s.heldTokens),
    },
    resets_at: new Date(resetsAt).toISOString(),
    timezone,
  };
}

/** Nominal window of both policies, in seconds (draft-ietf-httpapi-ratelimit-headers-11). */
export const QUOTA_WINDOW_SECONDS = 86400;

/**
 * `RateLimit-Policy` and `RateLimit` for a quota; `t` is the seconds until
 * `resets_at`, rounded up.
 */
export function rateLimitHeaders(
  quota: Quota,
  nowMs: number,
): Record<string, string> {
  const t = secondsUntil(Date.parse(quota.resets_at), nowMs);
  return {
    'RateLimit-Policy':
      `"daily-messages";q=${quota.messages.limit};w=${QUOTA_WINDOW_SECONDS}, ` +
      `"daily-tokens";q=${quota.tokens.limit};w=${QUOTA_WINDOW_SECONDS}`,
    RateLimit:
      `"daily-messages";r=${quota.messages.remaining};t=${t}, ` +
      `"daily-tokens";r=${quota.tokens.remaining};t=${t}`,
  };
}
