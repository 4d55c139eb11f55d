import { Signal, WritableSignal, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import type { PageEvent } from '@angular/material/paginator';
import {
  Observable,
  Subject,
  catchError,
  debounceTime,
  distinctUntilChanged,
  of,
  switchMap,
  tap,
} from 'rxjs';
import { errorMessageKey } from '../../core/http/api-error';

export const PAGE_SIZES = [10, 20, 50, 100];
/** How long typing must pause before a search is sent. */
export const SEARCH_DEBOUNCE_MS = 300;

/**
 * Paging and search of a table the server pages: the page (from 1, as the
 * API counts), its size, and a search that waits for typing to pause and
 * goes back to page 1. Create it in an injection context (a field).
 */
export class TablePaging {
  readonly pageSizes = PAGE_SIZES;
  readonly page = signal(1);
  readonly pageSize = signal(20);
  readonly search = signal('');
  private readonly typed = new Subject<string>();

  constructor() {
    this.typed
      .pipe(
        debounceTime(SEARCH_DEBOUNCE_MS),
        distinctUntilChanged(),
        takeUntilDestroyed(),
      )
      .subscribe((text) => {
        this.search.set(text.trim());
        this.page.set(1);
      });
  }

  /** What was typed in the search box. */
  searchFor(text: string): void {
    this.typed.next(text);
  }

  /** The paginator moved (its pages count from 0). */
  onPage(event: PageEvent): void {
    this.pageSize.set(event.pageSize);
    this.page.set(event.pageIndex + 1);
  }
}

export interface Loaded<R> {
  /** True from a query until its answer. */
  loading: Signal<boolean>;
  /** What went wrong, as a translation key; the last good result stays. */
  error: WritableSignal<string | null>;
  result: Signal<R | null>;
}

/**
 * Loads `load(query)` at once and again whenever `query` changes; an answer
 * that a newer query overtook is dropped. Call it in an injection context.
 */
export function loadOnChange<Q, R>(
  query: Signal<Q>,
  load: (query: Q) => Observable<R>,
): Loaded<R> {
  const loading = signal(true);
  const error = signal<string | null>(null);
  const result = signal<R | null>(null);
  toObservable(query)
    .pipe(
      tap(() => loading.set(true)),
      switchMap((q) =>
        load(q).pipe(
          catchError((err: unknown) => {
            error.set(errorMessageKey(err));
            return of(null);
          }),
        ),
      ),
      takeUntilDestroyed(),
    )
    .subscribe((answer) => {
      loading.set(false);
      if (answer !== null) {
        error.set(null);
        result.set(answer);
      }
    });
  return { loading: loading.asReadonly(), error, result: result.asReadonly() };
}
