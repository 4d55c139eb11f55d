import {
  DestroyRef,
  Injectable,
  effect,
  inject,
  signal,
  untracked,
} from '@angular/core';
import type { Quota, QuotaLimit } from '@tally/api-contract';
import { Subscription, interval, timer } from 'rxjs';
import { AuthStore } from '../../core/auth/auth.store';
import { ApiRequestError } from '../../core/http/api-error';
import { QuotaStore } from '../data-access/quota.store';
import { dailyExhausted, isFull, otherLimits } from './quota-format';

export type QuotaBlockCode =
  | 'QUOTA_MESSAGES_EXCEEDED'
  | 'QUOTA_TOKENS_EXCEEDED'
  | 'QUOTA_COST_EXCEEDED';

const BLOCK_CODES: readonly string[] = [
  'QUOTA_MESSAGES_EXCEEDED',
  'QUOTA_TOKENS_EXCEEDED',
  'QUOTA_COST_EXCEEDED',
];

const CODE_OF_METRIC: Record<QuotaLimit['metric'], QuotaBlockCode> = {
  messages: 'QUOTA_MESSAGES_EXCEEDED',
  tokens: 'QUOTA_TOKENS_EXCEEDED',
  cost: 'QUOTA_COST_EXCEEDED',
};

export interface QuotaBlock {
  code: QuotaBlockCode;
  /** ISO time at which the send could pass again. */
  resetsAt: string;
  /**
   * The limit that refused, when it is not one of the two daily counters
   * (a week, a month, a budget, a pool, a model's cap).
   */
  limit?: QuotaLimit;
}

/** setTimeout's largest delay; anything longer fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const CLOCK_TICK_MS = 15_000;

/** The quota block a 429 from a send describes, or null if it is not one. */
export function quotaBlockFrom(
  error: unknown,
  now = Date.now(),
): QuotaBlock | null {
  if (!(error instanceof ApiRequestError) || error.status !== 429) {
    return null;
  }
  const code = error.code as QuotaBlockCode | undefined;
  if (!code || !BLOCK_CODES.includes(code)) {
    return null;
  }
  // The limit that refused names its own reset (the last of those that refused).
  const limit = error.body?.limit;
  if (limit?.resets_at) {
    return isDailyCounterOf(error.quota, limit)
      ? { code, resetsAt: limit.resets_at }
      : { code, resetsAt: limit.resets_at, limit };
  }
  // Without one, the contract carries the reset time inside the 429's `quota` object.
  const resetsAt =
    error.quota?.resets_at ??
    (error.retryAfterSeconds !== undefined
      ? new Date(now + error.retryAfterSeconds * 1000).toISOString()
      : undefined);
  return resetsAt ? { code, resetsAt } : null;
}

/** Whether `limit` is one of the quota's two daily counters rather than another limit. */
function isDailyCounterOf(
  quota: Quota | undefined,
  limit: QuotaLimit,
): boolean {
  const others = quota ? otherLimits(quota) : [];
  return (
    !!quota?.limits?.some((l) => l.id === limit.id) &&
    !others.some((l) => l.id === limit.id)
  );
}

/**
 * The block the quota itself says is in force: no message or no token left
 * today, or another limit used up or exhausted (too little left for one
 * more send: $4.995 of $5) (a user at the limit is told before they
 * type, not after a refused send). When several are used up, the one that
 * resets last: the send cannot pass before. Null while something is left
 * everywhere, or once the reset has passed.
 */
export function quotaBlockOf(
  quota: Quota | null,
  now = Date.now(),
): QuotaBlock | null {
  if (!quota) {
    return null;
  }
  const blocks: QuotaBlock[] = [];
  if (quota.messages.remaining <= 0 || dailyExhausted(quota, 'messages')) {
    blocks.push({ code: 'QUOTA_MESSAGES_EXCEEDED', resetsAt: quota.resets_at });
  } else if (quota.tokens.remaining <= 0 || dailyExhausted(quota, 'tokens')) {
    blocks.push({ code: 'QUOTA_TOKENS_EXCEEDED', resetsAt: quota.resets_at });
  }
  for (const limit of otherLimits(quota)) {
    if (isFull(limit)) {
      blocks.push({
        code: CODE_OF_METRIC[limit.metric],
        resetsAt: limit.resets_at,
        limit,
      });
    }
  }
  let latest: QuotaBlock | null = null;
  for (const block of blocks) {
    if (
      Date.parse(block.resetsAt) > now &&
      (!latest || Date.parse(block.resetsAt) > Date.parse(latest.resetsAt))
    ) {
      latest = block;
    }
  }
  return latest;
}

/**
 * Holds the composer shut while the user is at a limit: from a quota 429,
 * or from the polled quota itself (after a reload at the limit), until
 * `resets_at`; then opens it again by itself and fetches the fresh quota.
 * A block that came from the polled quota also lifts as soon as a later
 * quota has room again (an admin raised the limit). The limit is the
 * user's, not a chat's: the block holds in every chat until then, and ends
 * on logout. `now` ticks while blocked so the "in 3 hours" stays true.
 */
@Injectable({ providedIn: 'root' })
export class SendBlock {
  private readonly quota = inject(QuotaStore);
  private readonly state = signal<QuotaBlock | null>(null);
  private readonly clock = signal(Date.now());
  private subscription: Subscription | null = null;
  /** Whether the block in force came from the polled quota (rather than a 429). */
  private fromQuota = false;

  readonly block = this.state.asReadonly();
  readonly now = this.clock.asReadonly();

  constructor() {
    inject(DestroyRef).onDestroy(() => this.stop());
    inject(AuthStore).loggedIn$.subscribe((loggedIn) => {
      if (!loggedIn) {
        this.stop();
      }
    });
    effect(() => {
      const quota = this.quota.quota();
      untracked(() => this.follow(quota));
    });
  }

  set(block: QuotaBlock): void {
    this.fromQuota = false;
    this.hold(block);
  }

  /** Closes or opens the composer after what the latest quota says. */
  private follow(quota: Quota | null): void {
    const block = quotaBlockOf(quota);
    if (block) {
      const current = this.state();
      if (
        !current ||
        current.code !== block.code ||
        current.resetsAt !== block.resetsAt ||
        current.limit?.id !== block.limit?.id
      ) {
        this.hold(block);
        this.fromQuota = true;
      }
    } else if (this.fromQuota && quota) {
      this.stop();
    }
  }

  private hold(block: QuotaBlock): void {
    this.stop();
    const delay = Date.parse(block.resetsAt) - Date.now();
    if (!(delay > 0)) {
      return;
    }
    this.state.set(block);
    this.clock.set(Date.now());
    const subscription = new Subscription();
    subscription.add(
      interval(CLOCK_TICK_MS).subscribe(() => this.clock.set(Date.now())),
    );
    subscription.add(
      timer(Math.min(delay, MAX_TIMER_MS)).subscribe(() => {
        if (Date.parse(block.resetsAt) <= Date.now()) {
          this.stop();
          this.quota.refresh();
        } else {
          const fromQuota = this.fromQuota;
          this.hold(block);
          this.fromQuota = fromQuota;
        }
      }),
    );
    this.subscription = subscription;
  }

  private stop(): void {
    this.fromQuota = false;
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.state.set(null);
  }
}
