import { DestroyRef, Injectable, inject, signal } from '@angular/core';
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
 * Holds the composer shut after a quota 429 until `resets_at`, then opens it
 * again by itself and fetches the fresh quota. The limit is the user's, not
 * a chat's: the block holds in every chat until then, and ends on logout.
 * `now` ticks while blocked so the "in 3 hours" stays true.
 */
@Injectable({ providedIn: 'root' })
export class SendBlock {
  private readonly quota = inject(QuotaStore);
  private readonly state = signal<QuotaBlock | null>(null);
  private readonly clock = signal(Date.now());
  private subscription: Subscription | null = null;

  readonly block = this.state.asReadonly();
  readonly now = this.clock.asReadonly();

  constructor() {
    inject(DestroyRef).onDestroy(() => this.stop());
    inject(AuthStore).loggedIn$.subscribe((loggedIn) => {
      if (!loggedIn) {
        this.stop();
      }
    });
  }

  set(block: QuotaBlock): void {
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
          this.set(block);
        }
      }),
    );
    this.subscription = subscription;
  }

  private stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.state.set(null);
  }
}
