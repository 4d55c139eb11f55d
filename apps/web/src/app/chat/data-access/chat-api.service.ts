import { DOCUMENT } from '@angular/common';
import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  Chat,
  ChatList,
  ChatStreamEvent,
  ChatWithMessages,
  CreateChatRequest,
  ModelInfoList,
  Quota,
  SendMessageRequest,
  UpdateChatRequest,
} from '@tally/api-contract';
import { Observable } from 'rxjs';
import { AuthStore } from '../../core/auth/auth.store';
import { ApiRequestError } from '../../core/http/api-error';
import { readChatEvents } from './sse';

/**
 * The connection broke after the answer had begun to stream (a 200 came):
 * the server has the message and keeps the partial answer, so this is not
 * a refused send.
 */
export class StreamInterruptedError extends Error {
  constructor() {
    super('The answer stream broke off');
    this.name = 'StreamInterruptedError';
  }
}

/** `fetch` as a seam, so tests can hand in a fake. */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

@Injectable({ providedIn: 'root' })
export class ChatApi {
  private readonly http = inject(HttpClient);
  private readonly auth = inject(AuthStore);
  private readonly document = inject(DOCUMENT);
  /** Replaced in tests. */
  fetchFn: FetchFn = (input, init) => globalThis.fetch(input, init);

  /** A page of the caller's chats, most recently active first; `before`: the last page's `next_cursor`. */
  list(before?: string): Observable<ChatList> {
    return this.http.get<ChatList>(
      '/api/chats',
      before ? { params: { before } } : {},
    );
  }

  create(body: CreateChatRequest = {}): Observable<Chat> {
    return this.http.post<Chat>('/api/chats', body);
  }

  get(id: string): Observable<ChatWithMessages> {
    return this.http.get<ChatWithMessages>(
      `/api/chats/${encodeURIComponent(id)}`,
    );
  }

  update(id: string, body: UpdateChatRequest): Observable<Chat> {
    return this.http.patch<Chat>(`/api/chats/${encodeURIComponent(id)}`, body);
  }

  remove(id: string): Observable<void> {
    return this.http.delete<void>(`/api/chats/${encodeURIComponent(id)}`);
  }

  /** The quota for sends to `model` (the default model when null). */
  quota(model: string | null = null): Observable<Quota> {
    return this.http.get<Quota>(
      '/api/chats/quota',
      model ? { params: { model } } : {},
    );
  }

  /** The enabled models and which one is the default. */
  models(): Observable<ModelInfoList> {
    return this.http.get<ModelInfoList>('/api/models');
  }

  /**
   * Sends a message and streams the answer. The POST's body is read with
   * `fetch` and a reader (EventSource can only GET). Unsubscribing aborts
   * the request through an AbortController: that is the Stop button.
   * A refusal before the stream (400/404/429/502/...) errors with an
   * ApiRequestError carrying the JSON body; a connection lost once the
   * stream began errors with a StreamInterruptedError.
   */
  send(chatId: string, body: SendMessageRequest): Observable<ChatStreamEvent> {
    return new Observable<ChatStreamEvent>((subscriber) => {
      const controller = new AbortController();
      const token = this.auth.token();
      const run = async () => {
        const response = await this.fetchFn(
          `/api/chats/${encodeURIComponent(chatId)}/messages`,
          {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              Accept: 'text/event-stream',
              // The built-in model answers in the user's language (the page's, as LanguageService sets it).
              'Accept-Language': this.document.documentElement.lang || 'en',
              ...(token ? { Authorization: `Bearer ${token}` } : {}),
            },
            body: JSON.stringify(body),
            signal: controller.signal,
          },
        );
        if (!response.ok || !response.body) {
          const errorBody = await response.json().catch(() => null);
          if (response.status === 401) {
            this.auth.logout();
          }
          const retryAfter = Number(response.headers.get('Retry-After') ?? NaN);
          throw new ApiRequestError(
            response.status,
            errorBody,
            Number.isFinite(retryAfter) ? retryAfter : undefined,
          );
        }
        try {
          for await (const event of readChatEvents(response.body)) {
            if (controller.signal.aborted) {
              return;
            }
            subscriber.next(event);
          }
        } catch {
          throw new StreamInterruptedError();
        }
        subscriber.complete();
      };
      run().catch((error: unknown) => {
        if (!controller.signal.aborted) {
          subscriber.error(
            error instanceof ApiRequestError ||
              error instanceof StreamInterruptedError
              ? error
              : new ApiRequestError(0, null),
          );
        }
      });
      return () => controller.abort();
    });
  }
}
