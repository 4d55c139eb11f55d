import { DOCUMENT } from '@angular/common';
import { Injectable, inject, signal } from '@angular/core';
import type { Quota } from '@tally/api-contract';
import { BehaviorSubject, Subject, Subscription, filter } from 'rxjs';
import { AuthStore } from '../../core/auth/auth.store';
import { ChatApi } from './chat-api.service';
import { documentVisible$, pollQuota } from './quota-polling';

/**
 * Today's allowance of the signed-in user for sends to one model (see
 * `useModel`). Kept fresh by polling while a quota header is on screen (see
 * `connect`), and at once from each answer's `done` event and each quota 429.
 */
@Injectable({ providedIn: 'root' })
export class QuotaStore {
  private readonly api = inject(ChatApi);
  private readonly auth = inject(AuthStore);
  private readonly document = inject(DOCUMENT);
  private readonly refresh$ = new Subject<void>();
  /** Undefined until a page says which model: nothing is fetched before. */
  private readonly model$ = new BehaviorSubject<string | null | undefined>(
    undefined,
  );
  private readonly state = signal<Quota | null>(null);
  private subscription: Subscription | null = null;
  private watchers = 0;
  /** Bumped by `set`: a poll that started before a fresher quota arrived is dropped. */
  private generation = 0;

  readonly quota = this.state.asReadonly();

  constructor() {
    // Never show one user's quota to the next one on this tab.
    this.auth.loggedIn$.subscribe((loggedIn) => {
      if (!loggedIn) {
        this.state.set(null);
        this.model$.next(undefined);
      }
    });
  }

  /** Starts polling (shared by all callers); call the returned function to stop watching. */
  connect(): () => void {
    this.watchers++;
    this.subscription ??= pollQuota({
      fetchQuota: (model) => {
        const started = this.generation;
        return this.api
          .quota(model)
          .pipe(filter(() => started === this.generation));
      },
      model$: this.model$.pipe(
        filter((model): model is string | null => model !== undefined),
      ),
      loggedIn$: this.auth.loggedIn$,
      visible$: documentVisible$(this.document),
      refresh$: this.refresh$,
    }).subscribe((quota) => this.state.set(quota));
    let stopped = false;
    return () => {
      if (stopped) {
        return;
      }
      stopped = true;
      this.watchers--;
      if (this.watchers === 0) {
        this.subscription?.unsubscribe();
        this.subscription = null;
      }
    };
  }

  /**
   * The model whose quota to show (null: the default model). Another model
   * than before fetches at once, and an answer still out for the one before
   * is dropped.
   */
  useModel(model: string | null): void {
    if (model === this.model$.value) {
      return;
    }
    this.generation++;
    this.model$.next(model);
  }

  /** A fresh quota from the API (a `done` event, a 429 body). */
  set(quota: Quota): void {
    this.generation++;
    this.state.set(quota);
  }

  /** Fetch now (no-op unless polling is on). */
  refresh(): void {
    this.refresh$.next();
  }
}
