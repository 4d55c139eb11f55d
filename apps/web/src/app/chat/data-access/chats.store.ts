import { Injectable, inject, signal } from '@angular/core';
import type { Chat, UpdateChatRequest } from '@tally/api-contract';
import { Observable, Subscription, tap } from 'rxjs';
import { AuthStore } from '../../core/auth/auth.store';
import { ChatApi } from './chat-api.service';

/**
 * The signed-in user's chats, most recently active first (the sidebar).
 * Forgotten when the session ends, however it ends (logout, a 401), so the
 * next user on this tab never sees them.
 */
@Injectable({ providedIn: 'root' })
export class ChatsStore {
  private readonly api = inject(ChatApi);
  private readonly items = signal<Chat[]>([]);
  private loading: Subscription | null = null;
  readonly chats = this.items.asReadonly();
  readonly loaded = signal(false);

  constructor() {
    inject(AuthStore).loggedIn$.subscribe((loggedIn) => {
      if (!loggedIn) {
        this.clear();
      }
    });
  }

  load(): void {
    this.loading?.unsubscribe();
    this.loading = this.api.list().subscribe({
      next: (chats) => {
        this.items.set(chats);
        this.loaded.set(true);
      },
      error: () => this.loaded.set(true),
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

  /** A chat just got a message: move it to the top. */
  touch(id: string, at = new Date().toISOString()): void {
    this.items.update((list) => {
      const chat = list.find((c) => c.id === id);
      return chat
        ? [{ ...chat, updated_at: at }, ...list.filter((c) => c.id !== id)]
        : list;
    });
  }

  /** Keeps a chat (e.g. one with a server-made title) in step with the list. */
  upsert(chat: Chat): void {
    this.items.update((list) =>
      list.some((c) => c.id === chat.id)
        ? list.map((c) => (c.id === chat.id ? { ...c, ...chat } : c))
        : [chat, ...list],
    );
  }

  private clear(): void {
    this.loading?.unsubscribe();
    this.loading = null;
    this.items.set([]);
    this.loaded.set(false);
  }
}
