import { Injectable, computed, inject, signal } from '@angular/core';
import type { Chat, UpdateChatRequest } from '@tally/api-contract';
import {
  EMPTY,
  Observable,
  Subject,
  Subscription,
  defer,
  finalize,
  map,
  takeUntil,
  tap,
} from 'rxjs';
import { AuthStore } from '../../core/auth/auth.store';
import { errorMessageKey } from '../../core/http/api-error';
import { ChatApi } from './chat-api.service';

/**
 * `list` with the chats of `page` it does not hold yet, each chat once. Both
 * are in the API's order and keep it (the server orders to the microsecond,
 * finer than the times it sends); a chat of the page goes above the chats
 * of the list that were active before it (one opened from a link, on a page
 * not read yet). A chat the list holds stays where it is: it moved there
 * since the page's position was read.
 */
export function mergeChats(
  list: readonly Chat[],
  page: readonly Chat[],
): Chat[] {
  const known = new Set(list.map((c) => c.id));
  const out: Chat[] = [];
  let i = 0;
  for (const chat of page) {
    if (known.has(chat.id)) {
      continue;
    }
    while (i < list.length && !(chat.updated_at > list[i].updated_at)) {
      out.push(list[i++]);
    }
    out.push(chat);
  }
  return out.concat(list.slice(i));
}

/**
 * The signed-in user's chats, most recently active first (the sidebar),
 * read a page at a time: the first page on `load`, the next on `loadMore`.
 * Forgotten when the session ends, however it ends (logout, a 401), so the
 * next user on this tab never sees them.
 */
@Injectable({ providedIn: 'root' })
export class ChatsStore {
  private readonly api = inject(ChatApi);
  private readonly items = signal<Chat[]>([]);
  private loading: Subscription | null = null;
  /** The next page's `before`; null once the last page is in (or before the first). */
  private readonly cursor = signal<string | null>(null);
  private readonly cleared = new Subject<void>();
  readonly chats = this.items.asReadonly();
  readonly loaded = signal(false);
  /** More chats than the list holds are on the server. */
  readonly hasMore = computed(() => this.cursor() !== null);
  readonly loadingMore = signal(false);
  /** Why the last `loadMore` failed (a translation key); null after a success. */
  readonly moreError = signal<string | null>(null);

  constructor() {
    inject(AuthStore).loggedIn$.subscribe((loggedIn) => {
      if (!loggedIn) {
        this.clear();
      }
    });
  }

  /** The first page; chats already known (one just opened, one just made) stay. */
  load(): void {
    this.loading?.unsubscribe();
    this.loading = this.api.list().subscribe({
      next: (page) => {
        this.items.update((list) => mergeChats(list, page.items));
        this.cursor.set(page.next_cursor ?? null);
        this.loaded.set(true);
      },
      error: () => this.loaded.set(true),
    });
  }

  /**
   * The next page, merged into the list; emits the chats it added (in
   * order). Completes at once when there is no next page or one is on its
   * way.
   */
  loadMore(): Observable<Chat[]> {
    return defer(() => {
      const before = this.cursor();
      if (before === null || this.loadingMore()) {
        return EMPTY;
      }
      this.loadingMore.set(true);
      this.moreError.set(null);
      return this.api.list(before).pipe(
        takeUntil(this.cleared),
        map((page) => {
          const known = new Set(this.items().map((c) => c.id));
          this.items.update((list) => mergeChats(list, page.items));
          this.cursor.set(page.next_cursor ?? null);
          return page.items.filter((c) => !known.has(c.id));
        }),
        tap({
          error: (err: unknown) => this.moreError.set(errorMessageKey(err)),
        }),
        finalize(() => this.loadingMore.set(false)),
      );
    });
  }

  /** A new chat; without a model it gets the default model. */
  create(title?: string, model?: string | null): Observable<Chat> {
    return this.api
      .create({ ...(title ? { title } : {}), ...(model ? { model } : {}) })
      .pipe(
        tap((chat) =>
          this.items.update((list) => [
            chat,
            ...list.filter((c) => c.id !== chat.id),
          ]),
        ),
      );
  }

  rename(id: string, title: string): Observable<Chat> {
    return this.update(id, { title });
  }

  /** Answers in this chat go to `model` from now on. */
  setModel(id: string, model: string): Observable<Chat> {
    return this.update(id, { model });
  }

  private update(id: string, body: UpdateChatRequest): Observable<Chat> {
    return this.api
      .update(id, body)
      .pipe(
        tap((chat) =>
          this.items.update((list) =>
            list.map((c) => (c.id === id ? chat : c)),
          ),
        ),
      );
  }

  remove(id: string): Observable<void> {
    return this.api
      .remove(id)
      .pipe(
        tap(() => this.items.update((list) => list.filter((c) => c.id !== id))),
      );
  }

  /** A chat just got a message at `at` (the server's time, as it marks the chat active): move it to the top. */
  touch(id: string, at = new Date().toISOString()): void {
    this.items.update((list) => {
      const chat = list.find((c) => c.id === id);
      return chat
        ? [{ ...chat, updated_at: at }, ...list.filter((c) => c.id !== id)]
        : list;
    });
  }

  /**
   * Keeps a chat (e.g. one with a server-made title) in step with the list;
   * one the list does not hold yet (opened from a link, on a page not read)
   * takes its place in the order.
   */
  upsert(chat: Chat): void {
    this.items.update((list) =>
      list.some((c) => c.id === chat.id)
        ? list.map((c) => (c.id === chat.id ? { ...c, ...chat } : c))
        : mergeChats(list, [chat]),
    );
  }

  private clear(): void {
    this.loading?.unsubscribe();
    this.loading = null;
    this.cleared.next();
    this.items.set([]);
    this.cursor.set(null);
    this.loaded.set(false);
    this.loadingMore.set(false);
    this.moreError.set(null);
  }
}
