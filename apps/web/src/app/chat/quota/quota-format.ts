import type { Quota, QuotaCounter } from '@tally/api-contract';

export type QuotaLevel = 'ok' | 'warn' | 'exceeded';

/** From this share of a limit on, the header shows the warning colour. */
export const QUOTA_WARN_RATIO = 0.8;

export function counterLevel(counter: QuotaCounter): QuotaLevel {
  if (
    counter.limit <= 0 ||
    counter.used >= counter.limit ||
    counter.remaining <= 0
  ) {
    return 'exceeded';
  }
  return counter.used / counter.limit >= QUOTA_WARN_RATIO ? 'warn' : 'ok';
}

const RANK: Record<QuotaLevel, number> = { ok: 0, warn: 1, exceeded: 2 };

/** The worse of the two counters: red when either limit is reached, amber from 80 %. */
export function quotaLevel(quota: Quota): QuotaLevel {
  const messages = counterLevel(quota.messages);
  const tokens = counterLevel(quota.tokens);
  return RANK[messages] >= RANK[tokens] ? messages : tokens;
}

/** Share of a limit used, 0..1 (a limit of 0 counts as full). */
export function usedRatio(used: number, limit: number): number {
  if (limit <= 0) {
    return 1;
  }
  return Math.min(1, Math.max(0, used / limit));
}
