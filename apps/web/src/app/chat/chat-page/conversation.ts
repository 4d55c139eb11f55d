import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import type { ChatStreamEvent, Message } from '@tally/api-contract';
import {
  Observable,
  Subject,
  Subscription,
  map,
  of,
  switchMap,
  tap,
} from 'rxjs';
import {
  ApiRequestError,
  errorMessageKey,
  toApiRequestError,
} from '../../core/http/api-error';
import {
  ChatApi,
  StreamInterruptedError,
} from '../data-access/chat-api.service';
import { ChatsStore } from '../data-access/chats.store';
import { QuotaStore } from '../data-access/quota.store';
import { ChatModel } from '../model-picker/chat-model';
import { SendBlock, quotaBlockFrom } from '../quota/send-block';

const TITLE_LENGTH = 60;

/** Translation key for an `error` event of the stream. */
export function streamErrorKey(code: string | undefined): string {
  const key = errorMessageKey(new ApiRequestError(0, { code }));
  return key === 'errors.status.network' ? 'errors.stream.failed' : key;
}

/**
 * A send the model's provider refused before answering (502, 504): the
 * model is down, not the message; another model may well answer.
 */
export function modelUnavailable(err: unknown): boolean {
  const { status, code } = toApiRequestError(err);
  return (
    code === 'AI_PROVIDER_ERROR' ||
    code === 'AI_PROVIDER_TIMEOUT' ||
    status === 502 ||
    status === 504
  );
}

/** The first line of a message, shortened, as the title of the chat it starts. */
export function titleFrom(content: string): string {
  const line = content.trim().split('\n')[0].trim();
  return line.length > TITLE_LENGTH
    ? `${line.slice(0, TITLE_LENGTH - 1)}…`
    : line;
}

/**
 * The conversation of the chat on screen: its messages, the draft, the
 * answer streaming in and what went wrong. Opens a chat, sends the draft
 * (a new chat is created by its first message), stops an answer. Provided
 * by the chat page, one per page.
 */
@Injectable()
export class Conversation {
  private readonly api = inject(ChatApi);
  private readonly chats = inject(ChatsStore);
  private readonly quotaStore = inject(QuotaStore);
  private readonly sendBlock = inject(SendBlock);
  private readonly model = inject(ChatModel);
  private readonly router = inject(Router);

  /** The chat whose messages are on screen; null for a chat not created yet. */
  readonly chatId = signal<string | null>(null);
  readonly messages = signal<Message[]>([]);
  /** The chat's messages are on their way. */
  readonly loading = signal(false);
  readonly draft = signal('');
  readonly streaming = signal(false);
  /** The answer so far, while it streams in. */
  readonly streamText = signal('');
  /** What went wrong, as a translation key. */
  readonly error = signal<string | null>(null);
  /** Told as an answer stops streaming, while Stop is still on screen. */
  readonly answerEnding = new Subject<void>();

  private stream: Subscription | null = null;
  private load: Subscription | null = null;

  constructor() {
    inject(DestroyRef).onDestroy(() => {
      this.stopStream();
      this.load?.unsubscribe();
    });
  }

  /** Sends the draft; the page has checked that it may go (see `sendHold`). */
  send(): void {
    const content = this.draft().trim();
    // A new chat is created by this send: should it fail, the chat goes too.
    const isNewChat = this.chatId() === null;
    this.error.set(null);
    this.draft.set('');
    this.streaming.set(true);
    this.streamText.set('');
    const pending: Message = {
      id: `pending-${Date.now()}`,
      chat_id: this.chatId() ?? '',
      role: 'user',
      content,
      status: 'complete',
      model: null,
      prompt_tokens: null,
      completion_tokens: null,
      cost: null,
      created_at: new Date().toISOString(),
    };
    this.messages.update((list) => [...list, pending]);

    this.stream = this.ensureChat(content)
      .pipe(switchMap((chatId) => this.api.send(chatId, { content })))
      .subscribe({
        next: (event) => this.onEvent(event, pending.id),
        error: (err: unknown) =>
          err instanceof StreamInterruptedError
            ? this.onStreamEnd()
            : this.onSendError(
                err,
                content,
                pending.id,
                isNewChat ? this.chatId() : null,
              ),
        complete: () => this.onStreamEnd(),
      });
  }

  /** Aborts the answer; the server keeps what came as a cancelled answer. */
  stop(): void {
    this.stopStream();
    this.keepPartial('cancelled');
    this.streaming.set(false);
    this.quotaStore.refresh();
  }

  /**
   * Shows the chat `id` (null: a new chat); the same chat stays: the one
   * this page just created, or the new chat a failed first send went back to.
   */
  open(id: string | null): void {
    if (id === this.chatId()) {
      return;
    }
    // An answer left streaming is aborted; the server charges what it used.
    const abortedAnswer = this.streaming();
    this.stopStream();
    this.load?.unsubscribe();
    this.model.show(null);
    this.streaming.set(false);
    this.streamText.set('');
    this.error.set(null);
    this.messages.set([]);
    this.chatId.set(id);
    if (abortedAnswer) {
      this.quotaStore.refresh();
    }
    if (id === null) {
      return;
    }
    this.loading.set(true);
    this.load = this.api.get(id).subscribe({
      next: (chat) => {
        this.loading.set(false);
        this.messages.set(chat.messages);
        this.model.show(chat.model ?? null);
        this.chats.upsert({
          id: chat.id,
          title: chat.title,
          model: chat.model,
          created_at: chat.created_at,
          updated_at: chat.updated_at,
        });
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.error.set(errorMessageKey(err));
      },
    });
  }

  private ensureChat(content: string): Observable<string> {
    const existing = this.chatId();
    if (existing) {
      return of(existing);
    }
    return this.chats.create(titleFrom(content), this.model.chosen()).pipe(
      tap((chat) => {
        this.chatId.set(chat.id);
        this.model.show(chat.model ?? null);
        void this.router.navigate(['/chats', chat.id]);
      }),
      map((chat) => chat.id),
    );
  }

  private onEvent(event: ChatStreamEvent, pendingId: string): void {
    switch (event.event) {
      case 'user_message':
        this.messages.update((list) =>
          list.map((m) => (m.id === pendingId ? event.data : m)),
        );
        break;
      case 'delta':
        this.streamText.update((text) => text + event.data.content);
        break;
      case 'done':
        this.messages.update((list) => [...list, event.data.assistant_message]);
        this.streamText.set('');
        this.endStreaming();
        this.quotaStore.set(event.data.quota);
        this.chats.touch(
          event.data.assistant_message.chat_id,
          event.data.assistant_message.created_at,
        );
        break;
      case 'error':
        this.keepPartial('error');
        this.endStreaming();
        this.error.set(streamErrorKey(event.data.code));
        this.quotaStore.refresh();
        break;
    }
  }

  private onSendError(
    err: unknown,
    content: string,
    pendingId: string,
    createdChat: string | null,
  ): void {
    this.stream = null;
    this.endStreaming();
    this.streamText.set('');
    // Nothing was answered: take the message back into the box.
    this.messages.update((list) => list.filter((m) => m.id !== pendingId));
    if (!this.draft()) {
      this.draft.set(content);
    }
    if (createdChat) {
      this.discardNewChat(createdChat);
    }
    if (modelUnavailable(err)) {
      this.error.set('errors.modelUnavailable');
      return;
    }
    if (toApiRequestError(err).code === 'UNKNOWN_MODEL') {
      if (!this.chatId()) {
        this.model.show(null); // the new chat gets the default instead
      }
      this.error.set(this.model.refusal(err));
      return;
    }
    const block = quotaBlockFrom(err);
    if (block) {
      this.sendBlock.set(block);
      const quota = err instanceof ApiRequestError ? err.quota : undefined;
      if (quota) {
        this.quotaStore.set(quota);
      }
      return;
    }
    this.error.set(errorMessageKey(err));
  }

  /**
   * The first send of a new chat failed before any answer: the chat it
   * created would stay behind, empty but for the refused message, which is
   * back in the box. It goes, and the page is a new chat again, on the
   * model picked (so another can be picked before sending again).
   */
  private discardNewChat(id: string): void {
    this.chatId.set(null);
    this.chats.remove(id).subscribe({ error: () => undefined });
    void this.router.navigate(['/chats']);
  }

  /**
   * The body ended, or the connection broke off mid-stream; without a `done`
   * or `error` event the answer was cut off. The message was sent: it stays,
   * and so does the partial answer.
   */
  private onStreamEnd(): void {
    this.stream = null;
    if (this.streaming()) {
      this.keepPartial('error');
      this.endStreaming();
      this.error.set('errors.stream.interrupted');
      this.quotaStore.refresh();
    }
  }

  /** The answer is over and Send takes Stop's place. */
  private endStreaming(): void {
    this.answerEnding.next();
    this.streaming.set(false);
  }

  private keepPartial(status: 'error' | 'cancelled'): void {
    const content = this.streamText();
    this.streamText.set('');
    this.messages.update((list) => [
      ...list,
      {
        id: `local-${Date.now()}`,
        chat_id: this.chatId() ?? '',
        role: 'assistant',
        content,
        status,
        model: this.model.active(),
        prompt_tokens: null,
        completion_tokens: null,
        cost: null,
        created_at: new Date().toISOString(),
      },
    ]);
  }

  private stopStream(): void {
    this.stream?.unsubscribe();
    this.stream = null;
  }
}
