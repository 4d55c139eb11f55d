import {
  DestroyRef,
  Injectable,
  computed,
  inject,
  signal,
} from '@angular/core';
import { Subscription } from 'rxjs';
import { errorMessageKey, toApiRequestError } from '../../core/http/api-error';
import { ChatsStore } from '../data-access/chats.store';
import { ModelsStore } from '../data-access/models.store';

/**
 * The model of the chat on screen: the one chosen (the chat's `model`, or
 * the one picked for a chat not created yet; null: the default), the one
 * answers really go to, and a pick on its way to the server. Provided by the
 * chat page, one per page.
 */
@Injectable()
export class ChatModel {
  private readonly chats = inject(ChatsStore);
  /** The models the user can pick. */
  readonly catalog = inject(ModelsStore);

  private readonly chosenId = signal<string | null>(null);
  private readonly savingState = signal(false);
  private saving$: Subscription | null = null;

  readonly chosen = this.chosenId.asReadonly();
  /** A PATCH of the chat's model is on its way: a send now would go to the old one. */
  readonly saving = this.savingState.asReadonly();
  /** The model answers go to: the chosen one while it is enabled, else the default. */
  readonly active = computed(() => this.catalog.effective(this.chosenId()));
  /** The chat's model when it has been disabled or deleted since (answers go to the default). */
  readonly missing = computed(() => {
    const chosen = this.chosenId();
    return chosen && this.catalog.loaded() && !this.catalog.find(chosen)
      ? chosen
      : null;
  });
  /** The model whose quota applies: the chosen one while it is enabled, else the default (null). */
  readonly quotaModel = computed(() =>
    this.missing() ? null : this.chosenId(),
  );

  constructor() {
    this.catalog.load();
    inject(DestroyRef).onDestroy(() => this.saving$?.unsubscribe());
  }

  /** The chat's model as stored (null: the default); a pick on its way is dropped. */
  show(model: string | null): void {
    this.saving$?.unsubscribe();
    this.saving$ = null;
    this.savingState.set(false);
    this.chosenId.set(model);
  }

  /**
   * The user picked `model`: a chat that exists (`chatId`) stores it, and
   * gets its old one back if that is refused (`refused` is told); a chat
   * not created yet will be created with it.
   */
  pick(
    chatId: string | null,
    model: string,
    refused: (err: unknown) => void,
  ): void {
    const before = this.chosenId();
    this.chosenId.set(model);
    if (!chatId) {
      return;
    }
    this.saving$?.unsubscribe();
    this.savingState.set(true);
    this.saving$ = this.chats.setModel(chatId, model).subscribe({
      next: (chat) => {
        this.savingState.set(false);
        this.chosenId.set(chat.model ?? null);
      },
      error: (err: unknown) => {
        this.savingState.set(false);
        this.chosenId.set(before);
        refused(err);
      },
    });
  }

  /**
   * What to say when a model was refused; one gone or disabled since the
   * list was loaded makes the list load again.
   */
  refusal(err: unknown): string {
    if (toApiRequestError(err).code === 'UNKNOWN_MODEL') {
      this.catalog.load(true);
    }
    return errorMessageKey(err);
  }
}
