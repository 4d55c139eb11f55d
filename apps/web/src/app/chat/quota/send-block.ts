import {
  DestroyRef,
  Injectable,
  effect,
  inject,
  signal,
  untracked,
} from '@angular/core';
import type { Quota } from '@tally/api-contract';
import { Subscription, interval, timer } from 'rxjs';
import { AuthStore } from '../../core/auth/auth.store';
import { ApiRequestError } from '../../core/http/api-error';
import { QuotaStore } from '../data-access/quota.store';

export type QuotaBlockCode =
  | 'QUOTA_MESSAGES_EXCEEDED'
  | 'QUOTA_TOKENS_EXCEEDED';

export interface QuotaBlock {
  code: QuotaBlockCode;
  /** ISO time at which today's allowance starts over. */
  resetsAt: string;
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
  const code = error.code;
  if (code !== 'QUOTA_MESSAGES_EXCEEDED' && code !== 'QUOTA_TOKENS_EXCEEDED') {
    return null;
  }
  // The contract carries the reset time inside the 429's `quota` object.
  const resetsAt =
    error.quota?.resets_at ??
    (error.retryAfterSeconds !== undefined
      ? new Date(now + error.retryAfterSeconds * 1000).toISOString()
      : undefined);
  return resetsAt ? { code, resetsAt } : null;
}

/**
 * The block the quota itself says is in force: no message or no token left
 * today (a user at the limit is told before they type, not after a refused
 * send). Null while something is left, or once `resets_at` has passed.
 */
export function quotaBlockOf(
  quota: Quota | null,
  now = Date.now(),
): QuotaBlock | null {
  if (!quota || !(Date.parse(quota.resets_at) > now)) {
    return null;
  }
  if (quota.messages.remaining <= 0) {
    return { code: 'QUOTA_MESSAGES_EXCEEDED', resetsAt: quota.resets_at };
  }
  if (quota.tokens.remaining <= 0) {
    return { code: 'QUOTA_TOKENS_EXCEEDED', resetsAt: quota.resets_at };
  }
  return null;
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
        current.resetsAt !== block.resetsAt
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
