import { provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { Chat } from '@tally/api-contract';
import { authInterceptor } from '../../core/auth/auth.interceptor';
import { AuthStore } from '../../core/auth/auth.store';
import { STORAGE_KEYS } from '../../core/storage';
import { ChatsStore, mergeChats } from './chats.store';

const chat = (id: string, title: string, minute = 0): Chat => ({
  id,
  title,
  model: 'local',
  created_at: '2026-11-28T10:00:00.000Z',
  updated_at: `2026-11-28T10:${String(minute).padStart(2, '0')}:00.000Z`,
});

describe('ChatsStore', () => {
  let http: HttpTestingController;
  let store: ChatsStore;

  beforeEach(() => {
    localStorage.clear();
    localStorage.setItem(STORAGE_KEYS.token, 'token-1');
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([{ path: '**', children: [] }]),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    store = TestBed.inject(ChatsStore);
    store.load();
    http.expectOne('/api/chats').flush({ items: [chat('a', 'Mine')] });
  });

  afterEach(() => http.verify());

  it('forgets the chats on logout', () => {
    expect(store.chats().map((c) => c.title)).toEqual(['Mine']);
    TestBed.inject(AuthStore).logout();
    expect(store.chats()).toEqual([]);
    expect(store.loaded()).toBe(false);
  });

  it('forgets the chats when the session ends with a 401', () => {
    store.rename('a', 'Renamed').subscribe({ error: () => undefined });
    http
      .expectOne('/api/chats/a')
      .flush(
        { statusCode: 401, message: 'Unauthorized' },
        { status: 401, statusText: 'Unauthorized' },
      );
    expect(TestBed.inject(AuthStore).isLoggedIn()).toBe(false);
    expect(store.chats()).toEqual([]);
  });

  it('drops a list that arrives after the session ended', () => {
    store.load();
    const pending = http.expectOne('/api/chats');
    TestBed.inject(AuthStore).logout();
    expect(pending.cancelled).toBe(true);
    expect(store.chats()).toEqual([]);
  });

  describe('pages', () => {
    /** The list, without the chat every test here starts with ('a', the oldest). */
    const ids = () =>
      store
        .chats()
        .map((c) => c.id)
        .filter((id) => id !== 'a');
    /** The first page read again: `items`, with `next_cursor`. */
    const firstPage = (items: Chat[], next: string | null) => {
      store.load();
      http.expectOne('/api/chats').flush({ items, next_cursor: next });
    };
    const more = () => {
      const added: string[][] = [];
      let failed = false;
      store.loadMore().subscribe({
        next: (chats) => added.push(chats.map((c) => c.id)),
        error: () => (failed = true),
      });
      return { added, failed: () => failed };
    };

    it('loads the next page after the cursor until the last', () => {
      firstPage([chat('d', 'D', 4), chat('c', 'C', 3)], 'cursor-1');
      expect(store.hasMore()).toBe(true);
      const first = more();
      expect(store.loadingMore()).toBe(true);
      // A second ask while one is on its way sends nothing.
      more();
      const page2 = http.expectOne('/api/chats?before=cursor-1');
      expect(page2.request.params.get('before')).toBe('cursor-1');
      page2.flush({ items: [chat('b', 'B', 2)], next_cursor: 'cursor-2' });
      expect(first.added).toEqual([['b']]);
      expect(ids()).toEqual(['d', 'c', 'b']);
      expect(store.loadingMore()).toBe(false);

      more();
      http
        .expectOne('/api/chats?before=cursor-2')
        .flush({ items: [chat('z', 'Z', 1)], next_cursor: null });
      expect(ids()).toEqual(['d', 'c', 'b', 'z']);
      expect(store.hasMore()).toBe(false);
      more();
      http.expectNone(() => true);
    });

    it('keeps each chat once: one that moved stays where it moved to', () => {
      firstPage([chat('d', 'D', 4), chat('c', 'C', 3)], 'cursor-1');
      // c got an answer: it is the newest now.
      store.touch('c', '2026-11-28T10:09:00.000Z');
      expect(ids()).toEqual(['c', 'd']);
      const page = more();
      // A page read before the move may still hold it.
      http.expectOne('/api/chats?before=cursor-1').flush({
        items: [chat('c', 'C', 3), chat('b', 'B', 2)],
        next_cursor: null,
      });
      expect(ids()).toEqual(['c', 'd', 'b']);
      expect(page.added).toEqual([['b']]);
    });

    it('puts a chat opened from a link in its place, and a new chat at the top', () => {
      firstPage([chat('d', 'D', 4), chat('c', 'C', 3)], 'cursor-1');
      store.upsert(chat('o', 'Old, from a link', 1));
      expect(ids()).toEqual(['d', 'c', 'o']);
      more();
      http.expectOne('/api/chats?before=cursor-1').flush({
        items: [chat('b', 'B', 2), chat('o', 'Old, from a link', 1)],
        next_cursor: null,
      });
      expect(ids()).toEqual(['d', 'c', 'b', 'o']);

      store.create('Fresh').subscribe();
      http.expectOne('/api/chats').flush(chat('e', 'Fresh', 5));
      expect(ids()).toEqual(['e', 'd', 'c', 'b', 'o']);
    });

    it('says why a page failed and tries again when asked', () => {
      firstPage([chat('d', 'D', 4)], 'cursor-1');
      const failing = more();
      http
        .expectOne('/api/chats?before=cursor-1')
        .flush(null, { status: 503, statusText: 'Service Unavailable' });
      expect(failing.failed()).toBe(true);
      expect(store.moreError()).toMatch(/^errors\./);
      expect(store.hasMore()).toBe(true);
      more();
      expect(store.moreError()).toBeNull();
      http
        .expectOne('/api/chats?before=cursor-1')
        .flush({ items: [chat('c', 'C', 3)], next_cursor: null });
      expect(ids()).toEqual(['d', 'c']);
    });

    it('drops a page that arrives after the session ended', () => {
      firstPage([chat('d', 'D', 4)], 'cursor-1');
      more();
      const pending = http.expectOne('/api/chats?before=cursor-1');
      TestBed.inject(AuthStore).logout();
      expect(pending.cancelled).toBe(true);
      expect(store.chats()).toEqual([]);
      expect(store.hasMore()).toBe(false);
      expect(store.loadingMore()).toBe(false);
    });

    it("keeps the API's order within a page, and puts a page's chats above older ones the list holds", () => {
      const at = (id: string, minute: number) => chat(id, id, minute);
      // Same times to the millisecond: the server's order stands.
      expect(
        mergeChats([at('m', 5)], [at('x', 3), at('z', 3), at('y', 3)]).map(
          (c) => c.id,
        ),
      ).toEqual(['m', 'x', 'z', 'y']);
      expect(
        mergeChats(
          [at('m', 5), at('old', 1)],
          [at('x', 3), at('old', 1), at('w', 0)],
        ).map((c) => c.id),
      ).toEqual(['m', 'x', 'old', 'w']);
    });
  });
});
