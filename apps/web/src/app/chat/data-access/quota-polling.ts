import type { Quota } from '@tally/api-contract';
import {
  EMPTY,
  Observable,
  catchError,
  combineLatest,
  distinctUntilChanged,
  exhaustMap,
  fromEvent,
  map,
  merge,
  of,
  startWith,
  switchMap,
  timer,
} from 'rxjs';

export const QUOTA_POLL_INTERVAL_MS = 30_000;

export interface QuotaPollingSources {
  /** One GET of the quota for sends to `model` (null: the default model). */
  fetchQuota: (model: string | null) => Observable<Quota>;
  /** The model whose quota is shown; a change fetches at once. */
  model$?: Observable<string | null>;
  /** True while signed in. */
  loggedIn$: Observable<boolean>;
  /** True while the tab is visible. */
  visible$: Observable<boolean>;
  /** Ask for a fetch now (e.g. after an answer was cancelled). */
  refresh$?: Observable<unknown>;
  intervalMs?: number;
}

/**
 * Polls the quota: at once, then every 30 s, while signed in and the tab is
 * visible.
 *
 * - `switchMap` on the (signed in, visible, model) state: hiding the tab or
 *   logging out unsubscribes the timer *and* any request in flight, so
 *   nothing is fetched (or applied) after logout or while hidden; showing
 *   the tab again, or another model, starts over with an immediate fetch
 *   (and drops the answer for the model before).
 * - `exhaustMap` from ticks to requests: a tick that comes while a request is
 *   still out is dropped, so requests never overlap. `switchMap` there would
 *   cancel and restart a slow request on every tick, and a server slower than
 *   the interval would never answer at all.
 * - A failed fetch is skipped; the next tick tries again.
 */
export function pollQuota(sources: QuotaPollingSources): Observable<Quota> {
  const interval = sources.intervalMs ?? QUOTA_POLL_INTERVAL_MS;
  const active$ = combineLatest([sources.loggedIn$, sources.visible$]).pipe(
    map(([loggedIn, visible]) => loggedIn && visible),
    distinctUntilChanged(),
  );
  const model$ = (sources.model$ ?? of(null)).pipe(distinctUntilChanged());
  return combineLatest([active$, model$]).pipe(
    switchMap(([active, model]) =>
      active
        ? merge(timer(0, interval), sources.refresh$ ?? EMPTY).pipe(
            exhaustMap(() =>
              sources.fetchQuota(model).pipe(catchError(() => EMPTY)),
            ),
          )
        : EMPTY,
    ),
  );
}

/** `document.visibilityState === 'visible'`, now and on every change. */
export function documentVisible$(doc: Document): Observable<boolean> {
  return fromEvent(doc, 'visibilitychange').pipe(
    startWith(null),
    map(() => doc.visibilityState !== 'hidden'),
    distinctUntilChanged(),
  );
}
