import { Injector, runInInjectionContext, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Observable, Subject } from 'rxjs';
import { SEARCH_DEBOUNCE_MS, TablePaging, loadOnChange } from './table-paging';

describe('TablePaging', () => {
  let paging: TablePaging;

  beforeEach(() => {
    vi.useFakeTimers();
    paging = runInInjectionContext(
      TestBed.inject(Injector),
      () => new TablePaging(),
    );
  });

  afterEach(() => vi.useRealTimers());

  it('searches once typing pauses, trimmed, from page 1', () => {
    paging.onPage({ pageIndex: 2, pageSize: 50, length: 500 });
    expect([paging.page(), paging.pageSize()]).toEqual([3, 50]);

    paging.searchFor('an');
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS - 1);
    paging.searchFor(' ann ');
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS - 1);
    expect(paging.search()).toBe('');
    expect(paging.page()).toBe(3);

    vi.advanceTimersByTime(1);
    expect(paging.search()).toBe('ann');
    expect(paging.page()).toBe(1);
    expect(paging.pageSize()).toBe(50);
  });
});

describe('loadOnChange', () => {
  const answers = new Map<number, Subject<string>>();
  const load = (page: number): Observable<string> => {
    const answer = new Subject<string>();
    answers.set(page, answer);
    return answer;
  };

  function start(query = signal(1)) {
    const loaded = runInInjectionContext(TestBed.inject(Injector), () =>
      loadOnChange(query, load),
    );
    TestBed.tick();
    return { query, loaded };
  }

  beforeEach(() => answers.clear());

  it('loads at once and on every change; a slower, older answer is dropped', () => {
    const { query, loaded } = start();
    expect(loaded.loading()).toBe(true);
    query.set(2);
    TestBed.tick();
    answers.get(1)?.next('page 1');
    expect(loaded.result()).toBeNull();
    answers.get(2)?.next('page 2');
    expect(loaded.result()).toBe('page 2');
    expect(loaded.loading()).toBe(false);
  });

  it('says in words what failed and keeps the last result', () => {
    const { query, loaded } = start();
    answers.get(1)?.next('page 1');
    query.set(2);
    TestBed.tick();
    answers.get(2)?.error({ status: 0 });
    expect(loaded.result()).toBe('page 1');
    expect(loaded.error()).toBe('errors.status.network');
    expect(loaded.loading()).toBe(false);

    query.set(3);
    TestBed.tick();
    answers.get(3)?.next('page 3');
    expect(loaded.error()).toBeNull();
    expect(loaded.result()).toBe('page 3');
  });
});
