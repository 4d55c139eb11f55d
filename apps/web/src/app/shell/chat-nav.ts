import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  inject,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { Router, RouterLink, RouterLinkActive } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import type { Chat } from '@tally/api-contract';
import { errorMessageKey } from '../core/http/api-error';
import { ChatsStore } from '../chat/data-access/chats.store';
import { Icon } from './icons';

type RowMode = { id: string; mode: 'rename' | 'delete' } | null;

/** The sidebar's chat list: open, new, rename (inline), delete (with a confirm step). */
@Component({
  selector: 'app-chat-nav',
  imports: [RouterLink, RouterLinkActive, MatButtonModule, TranslatePipe, Icon],
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
        <li class="chat-row">
          @switch (rowMode()?.id === chat.id ? rowMode()?.mode : 'view') {
            @case ('rename') {
              <form
                class="rename"
                (submit)="$event.preventDefault(); saveRename(chat)"
              >
                <input
                  #renameInput
                  [value]="chat.title"
                  maxlength="200"
                  [attr.aria-label]="'shell.chats.renameLabel' | translate"
                  (keydown.escape)="rowMode.set(null)"
                />
                <button mat-button type="submit">
                  {{ 'common.save' | translate }}
                </button>
                <button mat-button type="button" (click)="rowMode.set(null)">
                  {{ 'common.cancel' | translate }}
                </button>
              </form>
            }
            @case ('delete') {
              <div
                class="confirm"
                role="group"
                [attr.aria-label]="'shell.chats.deleteConfirm' | translate"
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
                <button mat-button type="button" (click)="rowMode.set(null)">
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
                  class="icon-btn"
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
                  class="icon-btn"
                  (click)="rowMode.set({ id: chat.id, mode: 'delete' })"
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
  `,
  styleUrl: './chat-nav.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChatNav {
  protected readonly store = inject(ChatsStore);
  private readonly router = inject(Router);
  protected readonly rowMode = signal<RowMode>(null);
  protected readonly error = signal<string | null>(null);
  private readonly renameInput =
    viewChild<ElementRef<HTMLInputElement>>('renameInput');

  /** A link was followed (the phone layout closes the drawer). */
  readonly navigated = output<void>();

  protected startRename(chat: Chat): void {
    this.rowMode.set({ id: chat.id, mode: 'rename' });
    queueMicrotask(() => {
      const input = this.renameInput()?.nativeElement;
      input?.focus();
      input?.select();
    });
  }

  protected saveRename(chat: Chat): void {
    const title = this.renameInput()?.nativeElement.value.trim() ?? '';
    if (!title || title === chat.title) {
      this.rowMode.set(null);
      return;
    }
    this.error.set(null);
    this.store.rename(chat.id, title).subscribe({
      next: () => this.rowMode.set(null),
      error: (err: unknown) => this.error.set(errorMessageKey(err)),
    });
  }

  protected remove(chat: Chat): void {
    this.error.set(null);
    const wasOpen = this.router.url === `/chats/${chat.id}`;
    this.store.remove(chat.id).subscribe({
      next: () => {
        this.rowMode.set(null);
        if (wasOpen) {
          void this.router.navigateByUrl('/chats');
        }
      },
      error: (err: unknown) => this.error.set(errorMessageKey(err)),
    });
  }
}
