import { BreakpointObserver } from '@angular/cdk/layout';
import { DOCUMENT } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  Injector,
  afterNextRender,
  afterRenderEffect,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { toSignal } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import {
  LIMITS,
  type ChatStreamEvent,
  type Message,
  type ModelInfo,
} from '@tally/api-contract';
import { Observable, Subscription, map, of, switchMap, tap } from 'rxjs';
import {
  ApiRequestError,
  errorMessageKey,
  toApiRequestError,
} from '../../core/http/api-error';
import { LocalDateTimePipe } from '../../core/i18n/format';
import {
  ChatApi,
  StreamInterruptedError,
} from '../data-access/chat-api.service';
import { ChatsStore } from '../data-access/chats.store';
import { ModelsStore } from '../data-access/models.store';
import { QuotaStore } from '../data-access/quota.store';
import { ModelPicker } from '../model-picker/model-picker';
import { CostPipe, isFree } from '../../shared/money';
import { QuotaBanner } from '../quota/quota-banner';
import { QuotaHeader } from '../quota/quota-header';
import { SendBlock, quotaBlockFrom } from '../quota/send-block';
import { MarkdownView } from './markdown';

const TITLE_LENGTH = 60;

/** Translation key for an `error` event of the stream. */
export function streamErrorKey(code: string | undefined): string {
  const key = errorMessageKey(new ApiRequestError(0, { code }));
  return key === 'errors.status.network' ? 'errors.stream.failed' : key;
}

/**
 * Whether an answer shows what it cost: when it has a cost and the model
 * that gave it has a price (or, gone from the list since, it cost something).
 */
export function costShown(
  message: Message,
  model: ModelInfo | undefined,
): boolean {
  const cost = message.cost ?? null;
  if (message.role !== 'assistant' || cost === null) {
    return false;
  }
  return cost > 0 || (!!model && !isFree(model));
}

/** A message as the page shows it. */
export interface MessageView {
  message: Message;
  /** The name of the model that answered (assistant messages). */
  modelName: string | null;
  /** The answer's cost in micro-dollars, when it is to be shown. */
  cost: number | null;
}

/** The first line of a message, shortened, as the title of the chat it starts. */
export function titleFrom(content: string): string {
  const line = content.trim().split('\n')[0].trim();
  return line.length > TITLE_LENGTH
    ? `${line.slice(0, TITLE_LENGTH - 1)}…`
    : line;
}

@Component({
  selector: 'app-chat-page',
  imports: [
    MatButtonModule,
    MatProgressSpinnerModule,
    TranslatePipe,
    LocalDateTimePipe,
    CostPipe,
    MarkdownView,
    ModelPicker,
    QuotaHeader,
    QuotaBanner,
  ],
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
  protected readonly modelsStore = inject(ModelsStore);
  private readonly router = inject(Router);
  protected readonly sendBlock = inject(SendBlock);

  private readonly scroller = viewChild<ElementRef<HTMLElement>>('scroller');
  private readonly composer =
    viewChild<ElementRef<HTMLTextAreaElement>>('composer');
  private readonly sendButton = viewChild('sendButton', { read: ElementRef });
  private readonly stopButton = viewChild('stopButton', { read: ElementRef });
  private readonly banner = viewChild(QuotaBanner, { read: ElementRef });
  private readonly document = inject(DOCUMENT);
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
  protected readonly maxLength = LIMITS.messageContentMax;
  /** The chat's `model`, or the one picked for a chat not created yet (null: the default). */
  private readonly chosenModel = signal<string | null>(null);
  /** A PATCH of the chat's model is on its way: a send now would go to the old one. */
  protected readonly savingModel = signal(false);

  /** The model answers go to: the chosen one while it is enabled, else the default. */
  protected readonly activeModel = computed(() =>
    this.modelsStore.effective(this.chosenModel()),
  );
  /** The chat's model when it has been disabled or deleted since (answers go to the default). */
  protected readonly missingModel = computed(() => {
    const chosen = this.chosenModel();
    return chosen && this.modelsStore.loaded() && !this.modelsStore.find(chosen)
      ? chosen
      : null;
  });
  /**
   * The model the quota header asks for: the chat's own while it is enabled,
   * else the default (null); undefined while the chat is loading.
   */
  private readonly quotaModel = computed(() => {
    if (this.loading()) {
      return undefined;
    }
    return this.missingModel() ? null : this.chosenModel();
  });
  protected readonly messageViews = computed<MessageView[]>(() => {
    this.modelsStore.models();
    return this.messages().map((message) => {
      const model = this.modelsStore.find(message.model);
      return {
        message,
        modelName:
          message.role === 'assistant' && message.model
            ? (model?.name ?? message.model)
            : null,
        cost: costShown(message, model) ? (message.cost ?? null) : null,
      };
    });
  });

  protected readonly title = computed(() => {
    const id = this.chatId();
    return this.chats.chats().find((c) => c.id === id)?.title ?? '';
  });
  /** A phone-width composer has room for the short placeholder only. */
  private readonly narrow = toSignal(
    inject(BreakpointObserver)
      .observe('(max-width: 599.98px)')
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );
  protected readonly placeholderKey = computed(() =>
    this.sendBlock.block()
      ? 'chat.composer.blocked'
      : this.narrow()
        ? 'chat.composer.placeholderShort'
        : 'chat.composer.placeholder',
  );
  protected readonly canSend = computed(
    () =>
      !this.streaming() &&
      !this.savingModel() &&
      !this.sendBlock.block() &&
      this.draft().trim().length > 0 &&
      this.draft().length <= LIMITS.messageContentMax,
  );

  private stream: Subscription | null = null;
  private load: Subscription | null = null;
  private modelSave: Subscription | null = null;

  constructor() {
    this.modelsStore.load();
    const stopWatching = this.quotaStore.connect();
    inject(DestroyRef).onDestroy(() => {
      stopWatching();
      this.stopStream();
      this.load?.unsubscribe();
      this.modelSave?.unsubscribe();
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

    afterRenderEffect(() => {
      this.messages();
      this.streamText();
      const el = this.scroller()?.nativeElement;
      if (el) {
        el.scrollTop = el.scrollHeight;
      }
    });
  }

  protected onInput(event: Event): void {
    this.draft.set((event.target as HTMLTextAreaElement).value);
  }

  protected onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.send();
    }
  }

  send(): void {
    if (!this.canSend()) {
      return;
    }
    const content = this.draft().trim();
    // Send gives its place to Stop: keep a keyboard user in the composer.
    if (this.hasFocus(this.sendButton())) {
      this.composer()?.nativeElement.focus();
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
    const chatId = this.chatId();
    const before = this.chosenModel();
    this.chosenModel.set(model);
    this.error.set(null);
    if (!chatId) {
      return;
    }
    this.modelSave?.unsubscribe();
    this.savingModel.set(true);
    this.modelSave = this.chats.setModel(chatId, model).subscribe({
      next: (chat) => {
        this.savingModel.set(false);
        this.chosenModel.set(chat.model ?? null);
      },
      error: (err: unknown) => {
        this.savingModel.set(false);
        this.chosenModel.set(before);
        this.onModelRefused(err);
      },
    });
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
    this.composer()?.nativeElement.focus();
  }

  private open(id: string | null): void {
    if (id !== null && id === this.chatId()) {
      return; // the chat this page just created
    }
    // An answer left streaming is aborted; the server charges what it used.
    const abortedAnswer = this.streaming();
    this.stopStream();
    this.load?.unsubscribe();
    this.modelSave?.unsubscribe();
    this.savingModel.set(false);
    this.streaming.set(false);
    this.streamText.set('');
    this.error.set(null);
    this.messages.set([]);
    this.chatId.set(id);
    this.chosenModel.set(null);
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
        this.chosenModel.set(chat.model ?? null);
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
    return this.chats.create(titleFrom(content), this.chosenModel()).pipe(
      tap((chat) => {
        this.chatId.set(chat.id);
        this.chosenModel.set(chat.model ?? null);
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
        this.chosenModel.set(null); // the new chat gets the default instead
      }
      this.onModelRefused(err);
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
    const hadFocus = this.hasFocus(this.stopButton());
    this.streaming.set(false);
    if (hadFocus) {
      afterNextRender(
        () => {
          const composer = this.composer()?.nativeElement;
          if (composer && !composer.disabled) {
            composer.focus();
          } else {
            this.banner()?.nativeElement.querySelector('[tabindex]')?.focus();
          }
        },
        { injector: this.injector },
      );
    }
  }

  private hasFocus(ref: ElementRef<HTMLElement> | undefined): boolean {
    const active = this.document.activeElement;
    return !!ref && !!active && ref.nativeElement.contains(active);
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
        model: this.activeModel(),
        prompt_tokens: null,
        completion_tokens: null,
        cost: null,
        created_at: new Date().toISOString(),
      },
    ]);
  }

  /** A model was refused (gone or disabled since the list was loaded): say so and load the list again. */
  private onModelRefused(err: unknown): void {
    this.error.set(errorMessageKey(err));
    if (toApiRequestError(err).code === 'UNKNOWN_MODEL') {
      this.modelsStore.load(true);
    }
  }

  private stopStream(): void {
    this.stream?.unsubscribe();
    this.stream = null;
  }
}
