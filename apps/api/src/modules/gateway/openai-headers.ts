import type { Quota } from '@tally/api-contract';
import { rateLimitHeaders } from '../usage/quota';
import { secondsUntil } from '../usage/quota-day';

/** A duration as OpenAI writes its resets: `6m0s`, `1h2m3s`, `0s`. */
export function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

/**
 * The headers of every gateway answer for a quota: the RateLimit ones of
 * the chat send, and OpenAI's `x-ratelimit-*` from the two daily limits
 * (requests = messages).
 */
export function gatewayRateLimitHeaders(
  quota: Quota,
  nowMs: number,
): Record<string, string> {
  const reset = duration(secondsUntil(Date.parse(quota.resets_at), nowMs));
  return {
    ...rateLimitHeaders(quota, nowMs),
    'x-ratelimit-limit-requests': String(quota.messages.limit),
    'x-ratelimit-remaining-requests': String(quota.messages.remaining),
    'x-ratelimit-reset-requests': reset,
    'x-ratelimit-limit-tokens': String(quota.tokens.limit),
    'x-ratelimit-remaining-tokens': String(quota.tokens.remaining),
    'x-ratelimit-reset-tokens': reset,
  };
}
