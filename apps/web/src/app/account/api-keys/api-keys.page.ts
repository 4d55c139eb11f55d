import {
  ChangeDetectionStrategy,
  Component,
  inject,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type { ApiKey, ApiKeyLimitUse } from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { LocalDateTimePipe } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { confirmAction } from '../../shared/confirm-dialog';
import { perText, usedOfText } from '../../shared/limits/limit-words';
import { LoadStatus } from '../../shared/load-status';
import { ApiKeyDialog } from './api-key-dialog';
import { ApiKeyRotateDialog } from './api-key-rotate-dialog';
import { hasPassed } from './expiry';
import { ApiKeysApi } from './api-keys-api.service';

/**
 * The signed-in user's API keys: create (shown once), change, rotate (the
 * new secret shown once), use against each limit (those an administrator
 * set are marked so), when each expires (marked once it has), delete.
 */
@Component({
  selector: 'app-api-keys-page',
  imports: [MatButtonModule, TranslatePipe, LocalDateTimePipe, LoadStatus],
  templateUrl: './api-keys.page.html',
  styleUrl: './api-keys.page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ApiKeysPage {
  private readonly api = inject(ApiKeysApi);
  private readonly dialog = inject(MatDialog);
  private readonly t = inject(TranslateService);
  private readonly language = inject(LanguageService);

  protected readonly keys = signal<ApiKey[]>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal<string | null>(null);

  constructor() {
    this.load();
  }

  protected load(): void {
    this.loading.set(true);
    this.api.list().subscribe({
      next: (keys) => {
        this.keys.set(keys);
        this.loading.set(false);
        this.error.set(null);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.error.set(errorMessageKey(err));
      },
    });
  }

  /** "3 of 100 messages a day", "3 of 100 messages a day on gpt-4o". */
  protected limitText(l: ApiKeyLimitUse): string {
    const words = `${usedOfText(this.t, this.language.lang(), l.metric, l.used, l.amount)} ${perText(this.t, l.window)}`;
    return l.model
      ? (this.t.instant('apiKeys.onModel', {
          limit: words,
          model: l.model,
        }) as string)
      : words;
  }

  protected create(): void {
    this.dialog
      .open(ApiKeyDialog, { width: '640px', maxWidth: '95vw' })
      .afterClosed()
      .subscribe((created) => {
        if (created) this.load();
      });
  }

  /** Name, models and the owner's limits; an administrator's stay as they are. */
  protected edit(key: ApiKey): void {
    this.dialog
      .open(ApiKeyDialog, { width: '640px', maxWidth: '95vw', data: key })
      .afterClosed()
      .subscribe((changed) => {
        if (changed) this.load();
      });
  }

  /** Whether the key has expired, as of when the list was drawn. */
  protected expired(key: ApiKey): boolean {
    return hasPassed(key.expires_at);
  }

  protected rotate(key: ApiKey): void {
    this.dialog
      .open(ApiKeyRotateDialog, { width: '520px', maxWidth: '95vw', data: key })
      .afterClosed()
      .subscribe((rotated) => {
        if (rotated) this.load();
      });
  }

  protected remove(key: ApiKey): void {
    confirmAction(this.dialog, {
      title: 'apiKeys.delete.title',
      message: 'apiKeys.delete.message',
      params: { name: key.name },
    }).subscribe((yes) => {
      if (!yes) return;
      this.api.remove(key.id).subscribe({
        next: () => this.load(),
        error: (err: unknown) => this.error.set(errorMessageKey(err)),
      });
    });
  }
}
