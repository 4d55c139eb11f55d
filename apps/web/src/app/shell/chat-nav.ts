import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  afterNextRender,
  inject,
  output,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { Router, RouterLink, RouterLinkActive } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import type { Chat } from '@tally/api-contract';
import { errorMessageKey } from '../core/http/api-error';
import { ChatsStore } from '../chat/data-access/chats.store';
import { Icon } from '../shared/icon';
import { WhenVisible } from '../shared/when-visible';

type RowMode = { id: string; mode: 'rename' | 'delete' } | null;

/**
 * The sidebar's chat list: open, new, rename (inline), delete (with a
 * confirm step), and more chats as the list is scrolled to its end.
 */
@Component({
  selector: 'app-chat-nav',
  imports: [
    RouterLink,
    RouterLinkActive,
    MatButtonModule,
    TranslatePipe,
    Icon,
    WhenVisible,
  ],
  template: `
    <a
      mat-flat-button
      class="new-chat"
      routerLink="/chats"
      (click)="navigated.emit()"
      data-testid="new-chat"
    >
      {{ 'shell.chats.new' | translate }}
    </a>
    <h2 class="nav-heading" id="chats-heading">
      {{ 'shell.chats.title' | translate }}
    </h2>
    @if (error(); as key) {
      <p class="error-text" role="alert">{{ key | translate }}</p>
    }
    <ul class="chats" aria-labelledby="chats-heading" data-testid="chat-list">
      @for (chat of store.chats(); track chat.id) {
        <li class="chat-row" [attr.data-chat-id]="chat.id">
          @switch (rowMode()?.id === chat.id ? rowMode()?.mode : 'view') {
            @case ('rename') {
              <form
                class="rename"
                (submit)="$event.preventDefault(); saveRename(chat)"
              >
                <input
                  [value]="chat.title"
                  maxlength="200"
                  [attr.aria-label]="'shell.chats.renameLabel' | translate"
                  (keydown.escape)="escape($event, chat)"
                />
                <button mat-button type="submit">
                  {{ 'common.save' | translate }}
                </button>
                <button mat-button type="button" (click)="cancel(chat)">
                  {{ 'common.cancel' | translate }}
                </button>
              </form>
            }
            @case ('delete') {
              <div
                class="confirm"
                role="group"
                [attr.aria-label]="'shell.chats.deleteConfirm' | translate"
                (keydown.escape)="escape($event, chat)"
              >
                <span>{{ 'shell.chats.deleteConfirm' | translate }}</span>
                <button
                  mat-button
                  class="danger"
                  type="button"
                  (click)="remove(chat)"
                >
                  {{ 'common.delete' | translate }}
                </button>
                <button
                  mat-button
                  class="keep"
                  type="button"
                  (click)="cancel(chat)"
                >
                  {{ 'common.cancel' | translate }}
                </button>
              </div>
            }
            @default {
              <a
                class="chat-link"
                [routerLink]="['/chats', chat.id]"
                routerLinkActive="active"
                ariaCurrentWhenActive="page"
                (click)="navigated.emit()"
                >{{ chat.title || ('chat.newChat' | translate) }}</a
              >
              <span class="row-actions">
                <button
                  type="button"
                  class="icon-btn rename-btn"
                  (click)="startRename(chat)"
                  [attr.aria-label]="
                    'shell.chats.rename' | translate: { title: chat.title }
                  "
                  [title]="
                    'shell.chats.rename' | translate: { title: chat.title }
                  "
                >
                  <app-icon name="edit" />
                </button>
                <button
                  type="button"
                  class="icon-btn delete-btn"
                  (click)="confirmDelete(chat)"
                  [attr.aria-label]="
                    'shell.chats.delete' | translate: { title: chat.title }
                  "
                  [title]="
                    'shell.chats.delete' | translate: { title: chat.title }
                  "
                >
                  <app-icon name="delete" />
                </button>
              </span>
            }
          }
        </li>
      } @empty {
        @if (store.loaded()) {
          <li class="none">{{ 'shell.chats.none' | translate }}</li>
        }
      }
    </ul>
    <!-- More chats come as the end of the list scrolls into view; the button does it by hand. -->
    <div class="more">
      @if (store.hasMore() && !store.loadingMore()) {
        <button
          mat-button
          type="button"
          class="load-more"
          data-testid="load-more"
          (appWhenVisible)="autoLoad()"
          [appWhenVisibleKey]="store.chats().length"
          (click)="loadMore(true)"
        >
          {{ 'shell.chats.more' | translate }}
        </button>
      }
      <span class="more-loading" role="status">
        @if (store.loadingMore()) {
          {{ 'shell.chats.loadingMore' | translate }}
        }
      </span>
    </div>
    @if (store.moreError(); as key) {
      <p class="error-text" role="alert">{{ key | translate }}</p>
    }
  `,
  styleUrl: './chat-nav.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChatNav {
  protected readonly store = inject(ChatsStore);
  private readonly router = inject(Router);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly injector = inject(Injector);
  protected readonly rowMode = signal<RowMode>(null);
  protected readonly error = signal<string | null>(null);

  /** A link was followed (the phone layout closes the drawer). */
  readonly navigated = output<void>();

  /** The end of the list came into view: the next page, unless the last try failed (then the button retries). */
  protected autoLoad(): void {
    if (!this.store.moreError()) {
      this.loadMore(false);
    }
  }

  /**
   * The next page. Asked for by the button, focus goes to the first chat
   * it brought (the button is gone meanwhile), where reading goes on.
   */
  protected loadMore(byHand: boolean): void {
    this.store.loadMore().subscribe({
      next: (added) => {
        if (byHand && added[0]) {
          this.focusLater(added[0].id, '.chat-link');
        }
      },
      error: () => undefined,
    });
  }

  protected startRename(chat: Chat): void {
    this.rowMode.set({ id: chat.id, mode: 'rename' });
    this.focusLater(chat.id, 'input', (input) =>
      (input as HTMLInputElement).select(),
    );
  }

  protected confirmDelete(chat: Chat): void {
    this.rowMode.set({ id: chat.id, mode: 'delete' });
    // The least destructive choice first.
    this.focusLater(chat.id, '.keep');
  }

  /**
   * Escape leaves the rename or the confirm step, and goes no further: the
   * sidebar (a mat-sidenav) closes on an Escape that reaches it, taking the
   * focus to the page.
   */
  protected escape(event: Event, chat: Chat): void {
    event.stopPropagation();
    event.preventDefault();
    this.cancel(chat);
  }

  /** Back to the plain row, focus on the button that left it. */
  protected cancel(chat: Chat): void {
    const mode = this.rowMode()?.mode;
    this.rowMode.set(null);
    this.focusLater(chat.id, mode === 'delete' ? '.delete-btn' : '.rename-btn');
  }

  protected saveRename(chat: Chat): void {
    const title = this.rowInput(chat.id)?.value.trim() ?? '';
    if (!title || title === chat.title) {
      this.cancel(chat);
      return;
    }
    this.error.set(null);
    this.store.rename(chat.id, title).subscribe({
      next: () => this.cancel(chat),
      error: (err: unknown) => this.error.set(errorMessageKey(err)),
    });
  }

  protected remove(chat: Chat): void {
    this.error.set(null);
    const wasOpen = this.router.url === `/chats/${chat.id}`;
    const chats = this.store.chats();
    const index = chats.findIndex((c) => c.id === chat.id);
    const neighbour = chats[index + 1] ?? chats[index - 1];
    this.store.remove(chat.id).subscribe({
      next: () => {
        this.rowMode.set(null);
        // The row is gone: focus the next one (or "New chat"), not the page.
        if (neighbour) {
          this.focusLater(neighbour.id, '.chat-link');
        } else {
          this.focusLater(null, '.new-chat');
        }
        if (wasOpen) {
          void this.router.navigateByUrl('/chats');
        }
      },
      error: (err: unknown) => this.error.set(errorMessageKey(err)),
    });
  }

  private rowInput(id: string): HTMLInputElement | null {
    return this.host.nativeElement.querySelector<HTMLInputElement>(
      `[data-chat-id="${id}"] input`,
    );
  }

  /** After the next render, focuses `selector` in the row of chat `id` (or anywhere, for null). */
  private focusLater(
    id: string | null,
    selector: string,
    then?: (el: HTMLElement) => void,
  ): void {
    afterNextRender(
      () => {
        const scope = id ? `[data-chat-id="${id}"] ` : '';
        const el = this.host.nativeElement.querySelector<HTMLElement>(
          scope + selector,
        );
        el?.focus();
        if (el) {
          then?.(el);
        }
      },
      { injector: this.injector },
    );
  }
}
