import type {
  LimitMetric,
  LimitSubject,
  LimitWindow,
  Quota,
  QuotaLimit,
} from '@tally/api-contract';
import { LIMIT_WINDOW_SECONDS } from '@tally/api-contract';
import { costOf, type ModelPrices } from '../models/cost';
import { secondsUntil } from './quota-day';
import { WINDOW_ORDER, type Windows } from './windows';

/** A limit that applies to a send, with its counter, as limits.sql.ts returns it. */
export interface LimitRow {
  id: string;
  scope: string;
  period_start: string;
  subject: LimitSubject;
  subject_id: string | null;
  subject_name: string | null;
  metric: LimitMetric;
  window: LimitWindow;
  model: string | null;
  shared: boolean;
  amount: number | string;
  /** The amount plus grants. */
  lim: number | string;
  /** Settled use of the metric in the window (null: no counter yet). */
  settled: number | string | null;
  /** What answers in progress hold of it. */
  held: number | string | null;
}

/** A counter row (usage_counters) as a statement returns it. */
export interface CounterRow {
  scope: string;
  period_start: string;
  messages: number | string;
  tokens: number | string;
  cost: number | string;
  held_messages: number | string;
  held_tokens: number | string;
  held_cost: number | string;
}

/** A limit that applies to a send, with numbers, and the counter it is checked against. */
export interface AppliedLimit extends QuotaLimit {
  scope: string;
  periodStart: string;
  /** Settled use (for messages `used` also counts answers in progress). */
  settled: number;
  held: number;
  /**
   * The least of this metric one more send of the quota's model takes: 1
   * message; 2 tokens (a prompt token and an answer token); for cost, one
   * prompt and one output token at the model's prices, rounded up (0 for
   * a model priced 0, which never exhausts a cost limit). Fewer left: the
   * limit is exhausted.
   */
  unit: number;
}

const SUBJECT_ORDER: Record<LimitSubject, number> = {
  user: 0,
  group: 1,
  everyone: 2,
  api_key: 3,
};
const METRIC_ORDER: Record<LimitMetric, number> = {
  messages: 0,
  tokens: 1,
  cost: 2,
};

/** The seed's daily limit of `metric`: personal, by day, over all models. */
export const isDaily =
  (metric: 'messages' | 'tokens') =>
  (l: Pick<QuotaLimit, 'metric' | 'window' | 'model' | 'shared' | 'subject'>) =>
    l.metric === metric &&
    l.window === 'day' &&
    l.model === null &&
    !l.shared &&
    l.subject !== 'api_key';

/** Stable order: the two daily limits first, then by window, metric, model, kind. */
function rank(l: QuotaLimit): (number | string)[] {
  const seed = isDaily('messages')(l) ? 0 : isDaily('tokens')(l) ? 1 : 2;
  return [
    seed,
    WINDOW_ORDER[l.window],
    METRIC_ORDER[l.metric],
    l.model === null ? '' : `~${l.model}`,
    l.shared ? 1 : 0,
    SUBJECT_ORDER[l.subject],
    l.id,
  ];
}

export function sortLimits<T extends QuotaLimit>(limits: T[]): T[] {
  return limits.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) {
      if (ra[i] < rb[i]) return -1;
      if (ra[i] > rb[i]) return 1;
    }
    return 0;
  });
}

/** `unit` of a limit of `metric` for sends at `prices` (none known: priced 0). */
export function sendUnit(
  metric: LimitMetric,
  prices: ModelPrices | null | undefined,
): number {
  if (metric === 'messages') return 1;
  if (metric === 'tokens') return 2;
  return prices ? costOf(1, 1, prices) : 0;
}

/**
 * The smallest settled use at which `l` is exhausted (what is left pays
 * for no more send), at least 1: the 100 % alert's mark when that comes
 * before the limit itself (crossings.ts).
 */
export const exhaustsAt = (l: AppliedLimit): number =>
  Math.max(1, l.limit - l.unit + 1);

/**
 * A limit row as API.md's `QuotaLimit` (plus its counter key), for sends
 * at `prices` (the quota's model's).
 */
export function toLimit(
  r: LimitRow,
  windows: Windows,
  prices?: ModelPrices | null,
): AppliedLimit {
  const settled = Number(r.settled ?? 0);
  const held = Number(r.held ?? 0);
  const limit = Number(r.lim);
  return withUse(
    {
      id: r.id,
      subject: r.subject,
      subject_id: r.subject_id,
      subject_name: r.subject_name ?? null,
      metric: r.metric,
      window: r.window,
      model: r.model,
      shared: r.shared,
      amount: Number(r.amount),
      used: 0,
      limit,
      remaining: 0,
      resets_at: new Date(windows[r.window].resetsAt).toISOString(),
      scope: r.scope,
      periodStart: String(r.period_start).slice(0, 10),
      settled: 0,
      held: 0,
      unit: sendUnit(r.metric, prices),
    },
    settled,
    held,
  );
}

/**
 * The limit with a new use: messages in progress count as used (as the
 * seed's quota did); held tokens and cost only lower `remaining`.
 */
export function withUse(
  l: AppliedLimit,
  settled: number,
  held: number,
): AppliedLimit {
  return {
    ...l,
    settled,
    held,
    used: l.metric === 'messages' ? settled + held : settled,
    remaining: Math.max(0, l.limit - settled - held),
  };
}

/** What one send holds of each metric. */
export interface SendHold {
  messages: number;
  tokens: number;
  cost: number;
}

/** The limits after a send's hold was added to them. */
export const plusHold = (limits: AppliedLimit[], h: SendHold) =>
  limits.map((l) => withUse(l, l.settled, l.held + h[l.metric]));

/** The limits with the counters as a settle left them. */
export function fromCounters(
  limits: AppliedLimit[],
  counters: CounterRow[],
): AppliedLimit[] {
  const byKey = new Map(
    counters.map((c) => [
      `${c.scope}|${String(c.period_start).slice(0, 10)}`,
      c,
    ]),
  );
  return limits.map((l) => {
    const c = byKey.get(`${l.scope}|${l.periodStart}`);
    if (!c) return l;
    const held = {
      messages: c.held_messages,
      tokens: c.held_tokens,
      cost: c.held_cost,
    };
    return withUse(l, Number(c[l.metric]), Number(held[l.metric]));
  });
}

/** The wire form of a limit: without its counter key. */
export function toQuotaLimit(l: AppliedLimit): QuotaLimit {
  return {
    id: l.id,
    subject: l.subject,
    subject_id: l.subject_id,
    subject_name: l.subject_name,
    metric: l.metric,
    window: l.window,
    model: l.model,
    shared: l.shared,
    amount: l.amount,
    used: l.used,
    limit: l.limit,
    remaining: l.remaining,
    resets_at: l.resets_at,
    exhausted: l.remaining < l.unit,
  };
}

/**
 * API.md's `Quota`: `messages`, `tokens` and `resets_at` are the caller's
 * daily limits over all models, `limits` every limit that applies.
 */
export function toQuota(
  limits: AppliedLimit[],
  windows: Windows,
  timezone: string,
  model: string | null,
): Quota {
  const sorted = sortLimits([...limits]);
  const counter = (l: AppliedLimit | undefined) => ({
    used: l?.used ?? 0,
    limit: l?.limit ?? 0,
    remaining: l?.remaining ?? 0,
  });
  return {
    messages: counter(sorted.find(isDaily('messages'))),
    tokens: counter(sorted.find(isDaily('tokens'))),
    resets_at: new Date(windows.day.resetsAt).toISOString(),
    timezone,
    ...(model ? { model } : {}),
    limits: sorted.map(toQuotaLimit),
  };
}

/**
 * `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-11):
 * the two daily limits first under their seed names, then every other limit
 * named by its id, with its nominal window and its own `t` (seconds until
 * its `resets_at`, rounded up).
 */
export function rateLimitHeaders(
  quota: Quota,
  nowMs: number,
): Record<string, string> {
  const t = (resetsAt: string) => secondsUntil(Date.parse(resetsAt), nowMs);
  const day = LIMIT_WINDOW_SECONDS.day;
  const policy = [
    `"daily-messages";q=${quota.messages.limit};w=${day}`,
    `"daily-tokens";q=${quota.tokens.limit};w=${day}`,
  ];
  const now = [
    `"daily-messages";r=${quota.messages.remaining};t=${t(quota.resets_at)}`,
    `"daily-tokens";r=${quota.tokens.remaining};t=${t(quota.resets_at)}`,
  ];
  const others = (quota.limits ?? []).filter(
    (l) => !isDaily('messages')(l) && !isDaily('tokens')(l),
  );
  for (const l of others) {
    policy.push(`"${l.id}";q=${l.limit};w=${LIMIT_WINDOW_SECONDS[l.window]}`);
    now.push(`"${l.id}";r=${l.remaining};t=${t(l.resets_at)}`);
  }
  return { 'RateLimit-Policy': policy.join(', '), RateLimit: now.join(', ') };
}

/** Nominal window of the two daily policies, in seconds. */
export const QUOTA_WINDOW_SECONDS = LIMIT_WINDOW_SECONDS.day;
