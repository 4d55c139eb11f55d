import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import {
  MAT_DIALOG_DATA,
  MatDialogModule,
  MatDialogRef,
} from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type { ApiKey, CreatedApiKey } from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { formatDateTime } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { ApiKeySecret } from './api-key-secret';
import { ApiKeysApi } from './api-keys-api.service';

/** How long the old secret may keep working: none, an hour, a day. */
export const GRACE_CHOICES = [0, 3600, 86400] as const;

/**
 * Gives a key a new secret: the user picks how long the old one keeps
 * working, then the new one is shown once. Closes with the rotated key (or
 * nothing when cancelled).
 */
@Component({
  selector: 'app-api-key-rotate-dialog',
  imports: [
    FormsModule,
    MatButtonModule,
    MatDialogModule,
    MatFormFieldModule,
    MatSelectModule,
    TranslatePipe,
    ApiKeySecret,
  ],
  template: `
    @if (rotated(); as r) {
      <app-api-key-secret
        [secret]="r.key"
        title="apiKeys.rotate.newTitle"
        [note]="note()"
        (done)="ref.close(r)"
      />
    } @else {
      <h2 mat-dialog-title>
        {{ 'apiKeys.rotate.title' | translate: { name: key.name } }}
      </h2>
      <mat-dialog-content data-testid="api-key-rotate-dialog">
        <p>{{ 'apiKeys.rotate.message' | translate }}</p>
        <mat-form-field appearance="outline" class="wide">
          <mat-label>{{ 'apiKeys.rotate.grace' | translate }}</mat-label>
          <mat-select
            [ngModel]="grace()"
            (ngModelChange)="grace.set($event)"
            data-testid="api-key-rotate-grace"
          >
            @for (g of choices; track g) {
              <mat-option [value]="g">{{
                'apiKeys.rotate.graceChoice.' + g | translate
              }}</mat-option>
            }
          </mat-select>
        </mat-form-field>
        @if (error(); as e) {
          <p class="error-text" role="alert">{{ e | translate }}</p>
        }
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close>
          {{ 'common.cancel' | translate }}
        </button>
        <button
          mat-flat-button
          type="button"
          [disabled]="busy()"
          (click)="rotate()"
          data-testid="api-key-rotate-confirm"
        >
          {{ 'apiKeys.rotate.button' | translate }}
        </button>
      </mat-dialog-actions>
    }
  `,
  styleUrl: './api-keys.page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ApiKeyRotateDialog {
  private readonly api = inject(ApiKeysApi);
  private readonly t = inject(TranslateService);
  private readonly language = inject(LanguageService);
  protected readonly ref = inject(
    MatDialogRef<ApiKeyRotateDialog, CreatedApiKey>,
  );
  protected readonly key = inject<ApiKey>(MAT_DIALOG_DATA);
  protected readonly choices = GRACE_CHOICES;
  protected readonly grace = signal<number>(0);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly rotated = signal<CreatedApiKey | null>(null);
  /** Until when the old secret works: set from the moment it was rotated. */
  private readonly graceEnds = signal<Date | null>(null);

  protected readonly note = computed(() => {
    const ends = this.graceEnds();
    return ends
      ? (this.t.instant('apiKeys.rotate.oldUntil', {
          time: formatDateTime(this.language.lang(), ends),
        }) as string)
      : (this.t.instant('apiKeys.rotate.oldStopped') as string);
  });

  protected rotate(): void {
    if (this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    const grace_seconds = this.grace();
    this.api.rotate(this.key.id, { grace_seconds }).subscribe({
      next: (key) => {
        this.busy.set(false);
        this.graceEnds.set(
          grace_seconds > 0
            ? new Date(Date.now() + grace_seconds * 1000)
            : null,
        );
        this.rotated.set(key);
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.error.set(errorMessageKey(err));
      },
    });
  }
}
