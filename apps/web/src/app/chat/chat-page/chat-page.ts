import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  Injector,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { Router } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import type { ChatStreamEvent, Message } from '@tally/api-contract';
import { Observable, Subscription, map, of, switchMap, tap } from 'rxjs';
import {
  ApiRequestError,
  errorMessageKey,
  toApiRequestError,
} from '../../core/http/api-error';
import { Composer } from '../composer/composer';
import { sendHold } from '../composer/send-gate';
import {
  ChatApi,
  StreamInterruptedError,
} from '../data-access/chat-api.service';
import { ChatsStore } from '../data-access/chats.store';
import { QuotaStore } from '../data-access/quota.store';
import { ChatModel } from '../model-picker/chat-model';
import { ModelPicker } from '../model-picker/model-picker';
import { QuotaBanner } from '../quota/quota-banner';
import { QuotaHeader } from '../quota/quota-header';
import { SendBlock, quotaBlockFrom } from '../quota/send-block';
import { MessageList } from './message-list';

const TITLE_LENGTH = 60;

/** Translation key for an `error` event of the stream. */
export function streamErrorKey(code: string | undefined): string {
  const key = errorMessageKey(new ApiRequestError(0, { code }));
  return key === 'errors.status.network' ? 'errors.stream.failed' : key;
}

/** The first line of a message, shortened, as the title of the chat it starts. */
export function titleFrom(content: string): string {
  const line = content.trim().split('\n')[0].trim();
  return line.length > TITLE_LENGTH
    ? `${line.slice(0, TITLE_LENGTH - 1)}…`
    : line;
}

/**
 * A chat: its messages, the answer streaming in, the model it uses, the
 * quota, and the box to write in. A new chat (`/chats`) is created by its
 * first message.
 */
@Component({
  selector: 'app-chat-page',
  imports: [
    TranslatePipe,
    ModelPicker,
    QuotaHeader,
    QuotaBanner,
    MessageList,
    Composer,
  ],
  providers: [ChatModel],
  templateUrl: './chat-page.html',
  styleUrl: './chat-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChatPage {
  /** Route parameter; absent on `/chats` (a chat not created yet). */
  readonly id = input<string>();

  private readonly api = inject(ChatApi);
  private readonly chats = inject(ChatsStore);
  private readonly quotaStore = inject(QuotaStore);
  private readonly router = inject(Router);
  protected readonly sendBlock = inject(SendBlock);
  protected readonly model = inject(ChatModel);

  private readonly composer = viewChild(Composer);
  private readonly banner = viewChild(QuotaBanner, { read: ElementRef });
  private readonly injector = inject(Injector);

  /** The chat whose messages are on screen. */
  private readonly chatId = signal<string | null>(null);
  protected readonly messages = signal<Message[]>([]);
  protected readonly loading = signal(false);
  protected readonly draft = signal('');
  protected readonly streaming = signal(false);
  protected readonly streamText = signal('');
  protected readonly error = signal<string | null>(null);
  protected readonly quota = this.quotaStore.quota;
  /**
   * The model the quota header asks for: the chat's own while it is enabled,
   * else the default (null); undefined while the chat is loading.
   */
  private readonly quotaModel = computed(() => {
    if (this.loading()) {
      return undefined;
    }
    return this.model.quotaModel();
  });
  protected readonly title = computed(() => {
    const id = this.chatId();
    return this.chats.chats().find((c) => c.id === id)?.title ?? '';
  });
  protected readonly canSend = computed(
    () =>
      sendHold({
        blocked: !!this.sendBlock.block(),
        streaming: this.streaming(),
        savingModel: this.model.saving(),
        draft: this.draft(),
      }) === null,
  );

  private stream: Subscription | null = null;
  private load: Subscription | null = null;

  constructor() {
    const stopWatching = this.quotaStore.connect();
    inject(DestroyRef).onDestroy(() => {
      stopWatching();
      this.stopStream();
      this.load?.unsubscribe();
    });

    effect(() => {
      const id = this.id() ?? null;
      untracked(() => this.open(id));
    });
    // After `open`, which tells whether a chat (and so its model) is loading.
    effect(() => {
      const model = this.quotaModel();
      if (model !== undefined) {
        this.quotaStore.useModel(model);
      }
    });
  }

  send(): void {
    if (!this.canSend()) {
      return;
    }
    const content = this.draft().trim();
    // Send gives its place to Stop: keep a keyboard user in the composer.
    if (this.composer()?.hasFocus('send')) {
      this.composer()?.focus();
    }
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
            : this.onSendError(err, content, pending.id),
        complete: () => this.onStreamEnd(),
      });
  }

  /** The picker: a chat's answers go to `model` from now on; a new chat is created with it. */
  protected pickModel(model: string): void {
    this.error.set(null);
    this.model.pick(this.chatId(), model, (err) =>
      this.error.set(this.model.refusal(err)),
    );
  }

  /** The Stop button: aborts the request; the server keeps what came as a cancelled answer. */
  stop(): void {
    if (!this.streaming()) {
      return;
    }
    this.stopStream();
    this.keepPartial('cancelled');
    this.streaming.set(false);
    this.quotaStore.refresh();
    this.composer()?.focus();
  }

  private open(id: string | null): void {
    if (id !== null && id === this.chatId()) {
      return; // the chat this page just created
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
        this.chats.touch(event.data.assistant_message.chat_id);
        break;
      case 'error':
        this.keepPartial('error');
        this.endStreaming();
        this.error.set(streamErrorKey(event.data.code));
        this.quotaStore.refresh();
        break;
    }
  }

  private onSendError(err: unknown, content: string, pendingId: string): void {
    this.stream = null;
    this.endStreaming();
    this.streamText.set('');
    // Nothing was sent: take the message back into the box.
    this.messages.update((list) => list.filter((m) => m.id !== pendingId));
    if (!this.draft()) {
      this.draft.set(content);
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

  /**
   * The answer is over and Send takes Stop's place. A keyboard user on Stop
   * goes to the composer (or, while it is shut by a quota, to the banner
   * that says why) rather than to the top of the page.
   */
  private endStreaming(): void {
    const hadFocus = this.composer()?.hasFocus('stop');
    this.streaming.set(false);
    if (hadFocus) {
      afterNextRender(
        () => {
          if (!this.composer()?.focus()) {
            this.banner()?.nativeElement.querySelector('[tabindex]')?.focus();
          }
        },
        { injector: this.injector },
      );
    }
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
