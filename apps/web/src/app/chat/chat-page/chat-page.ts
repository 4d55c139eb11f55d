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
  untracked,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { TranslatePipe } from '@ngx-translate/core';
import { Composer } from '../composer/composer';
import { sendHold } from '../composer/send-gate';
import { ChatsStore } from '../data-access/chats.store';
import { QuotaStore } from '../data-access/quota.store';
import { ChatModel } from '../model-picker/chat-model';
import { ModelPicker } from '../model-picker/model-picker';
import { QuotaBanner } from '../quota/quota-banner';
import { QuotaHeader } from '../quota/quota-header';
import { SendBlock } from '../quota/send-block';
import { Conversation } from './conversation';
import { MessageList } from './message-list';

/**
 * A chat: its messages, the answer streaming in, the model it uses, the
 * quota, and the box to write in. A new chat (`/chats`) is created by its
 * first message. The page composes the pieces and keeps keyboard focus
 * where it belongs as Send and Stop take each other's place.
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
  providers: [ChatModel, Conversation],
  templateUrl: './chat-page.html',
  styleUrl: './chat-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChatPage {
  /** Route parameter; absent on `/chats` (a chat not created yet). */
  readonly id = input<string>();

  private readonly chats = inject(ChatsStore);
  private readonly quotaStore = inject(QuotaStore);
  protected readonly sendBlock = inject(SendBlock);
  protected readonly model = inject(ChatModel);
  protected readonly chat = inject(Conversation);

  private readonly composer = viewChild(Composer);
  private readonly banner = viewChild(QuotaBanner, { read: ElementRef });
  private readonly injector = inject(Injector);

  protected readonly quota = this.quotaStore.quota;
  /**
   * The model the quota header asks for: the chat's own while it is enabled,
   * else the default (null); undefined while the chat is loading.
   */
  private readonly quotaModel = computed(() =>
    this.chat.loading() ? undefined : this.model.quotaModel(),
  );
  protected readonly title = computed(() => {
    const id = this.chat.chatId();
    return this.chats.chats().find((c) => c.id === id)?.title ?? '';
  });
  protected readonly canSend = computed(
    () =>
      sendHold({
        blocked: !!this.sendBlock.block(),
        streaming: this.chat.streaming(),
        savingModel: this.model.saving(),
        draft: this.chat.draft(),
      }) === null,
  );

  constructor() {
    const stopWatching = this.quotaStore.connect();
    inject(DestroyRef).onDestroy(stopWatching);

    effect(() => {
      const id = this.id() ?? null;
      untracked(() => this.chat.open(id));
    });
    // After `open`, which tells whether a chat (and so its model) is loading.
    effect(() => {
      const model = this.quotaModel();
      if (model !== undefined) {
        this.quotaStore.useModel(model);
      }
    });
    this.chat.answerEnding
      .pipe(takeUntilDestroyed())
      .subscribe(() => this.keepFocusAfterAnswer());
  }

  send(): void {
    if (!this.canSend()) {
      return;
    }
    // Send gives its place to Stop: keep a keyboard user in the composer.
    if (this.composer()?.hasFocus('send')) {
      this.composer()?.focus();
    }
    this.chat.send();
  }

  /** The Stop button: aborts the request; the server keeps what came as a cancelled answer. */
  stop(): void {
    if (!this.chat.streaming()) {
      return;
    }
    this.chat.stop();
    this.composer()?.focus();
  }

  /** The picker: a chat's answers go to `model` from now on; a new chat is created with it. */
  protected pickModel(model: string): void {
    this.chat.error.set(null);
    this.model.pick(this.chat.chatId(), model, (err) =>
      this.chat.error.set(this.model.refusal(err)),
    );
  }

  /**
   * Send takes Stop's place. A keyboard user on Stop goes to the composer
   * (or, while it is shut by a quota, to the banner that says why) rather
   * than to the top of the page.
   */
  private keepFocusAfterAnswer(): void {
    if (!this.composer()?.hasFocus('stop')) {
      return;
    }
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
