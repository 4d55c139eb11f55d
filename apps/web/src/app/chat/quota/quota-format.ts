import type { Quota, QuotaCounter, QuotaLimit } from '@tally/api-contract';

export type QuotaLevel = 'ok' | 'warn' | 'exceeded';

/** From this share of a limit on, the header shows the warning colour. */
export const QUOTA_WARN_RATIO = 0.8;

/**
 * Red when the limit is reached, or when what is left cannot pay for one
 * more send (`exhausted`: $4.995 of $5 is full); amber from 80 %.
 */
export function counterLevel(
  counter: QuotaCounter & { exhausted?: boolean },
): QuotaLevel {
  if (
    counter.exhausted === true ||
    counter.limit <= 0 ||
    counter.used >= counter.limit ||
    counter.remaining <= 0
  ) {
    return 'exceeded';
  }
  return counter.used / counter.limit >= QUOTA_WARN_RATIO ? 'warn' : 'ok';
}

const RANK: Record<QuotaLevel, number> = { ok: 0, warn: 1, exceeded: 2 };

/** The worse of the two counters: red when either limit is reached (or exhausted), amber from 80 %. */
export function quotaLevel(quota: Quota): QuotaLevel {
  const messages = counterLevel({
    ...quota.messages,
    exhausted: dailyExhausted(quota, 'messages'),
  });
  const tokens = counterLevel({
    ...quota.tokens,
    exhausted: dailyExhausted(quota, 'tokens'),
  });
  return RANK[messages] >= RANK[tokens] ? messages : tokens;
}

/** Whether the limit behind one of the quota's two daily counters is exhausted. */
export function dailyExhausted(
  quota: Quota,
  metric: 'messages' | 'tokens',
): boolean {
  const daily = (quota.limits ?? []).find(
    (l) => l.metric === metric && isDailyCounter(l),
  );
  return daily?.exhausted === true;
}

/** Whether nothing a send could use is left of `limit`: none remains, or too little to pay for one more send. */
export function isFull(limit: QuotaLimit): boolean {
  return limit.exhausted === true || limit.remaining <= 0;
}

/** Share of a limit used, 0..1 (a limit of 0 counts as full). */
export function usedRatio(used: number, limit: number): number {
  if (limit <= 0) {
    return 1;
  }
  return Math.min(1, Math.max(0, used / limit));
}

/**
 * Whether `limit` is one of the quota's own two counters: the personal daily
 * limit on messages or tokens over all models.
 */
function isDailyCounter(limit: QuotaLimit): boolean {
  return (
    (limit.metric === 'messages' || limit.metric === 'tokens') &&
    limit.window === 'day' &&
    limit.model === null &&
    !limit.shared &&
    limit.subject !== 'api_key'
  );
}

/** Every limit of the quota but its two daily counters (`messages`, `tokens`). */
export function otherLimits(quota: Quota): QuotaLimit[] {
  const seen = new Set<string>();
  return (quota.limits ?? []).filter((limit) => {
    if (isDailyCounter(limit) && !seen.has(limit.metric)) {
      seen.add(limit.metric);
      return false;
    }
    return true;
  });
}

/** Share of a limit taken: what is used, or all of it when it is full. */
export function limitRatio(limit: QuotaLimit): number {
  return isFull(limit) ? 1 : usedRatio(limit.used, limit.limit);
}

/**
 * The other limit closest to its end, once it is at 80 % or more; null while
 * every other limit is below that.
 */
export function tightestOther(quota: Quota): QuotaLimit | null {
  let tightest: QuotaLimit | null = null;
  for (const limit of otherLimits(quota)) {
    if (
      limitRatio(limit) >= QUOTA_WARN_RATIO &&
      (!tightest || limitRatio(limit) > limitRatio(tightest))
    ) {
      tightest = limit;
    }
  }
  return tightest;
}

/** The worse of two levels. */
export function worseLevel(a: QuotaLevel, b: QuotaLevel): QuotaLevel {
  return RANK[a] >= RANK[b] ? a : b;
}
