import {
  ChangeDetectionStrategy,
  Component,
  input,
  output,
  signal,
} from '@angular/core';
import { ClipboardModule } from '@angular/cdk/clipboard';
import { MatButtonModule } from '@angular/material/button';
import { MatDialogModule } from '@angular/material/dialog';
import { TranslatePipe } from '@ngx-translate/core';

/**
 * A key's secret, shown this once in a dialog, with a copy button; `done`
 * when the user has it. Used when a key is created and when it is rotated.
 */
@Component({
  selector: 'app-api-key-secret',
  imports: [ClipboardModule, MatButtonModule, MatDialogModule, TranslatePipe],
  template: `
    <h2 mat-dialog-title>{{ title() | translate }}</h2>
    <mat-dialog-content data-testid="api-key-created">
      <p>{{ 'apiKeys.createdKey.once' | translate }}</p>
      @if (note(); as n) {
        <p data-testid="api-key-secret-note">{{ n }}</p>
      }
      <code class="secret" data-testid="api-key-secret">{{ secret() }}</code>
      <div class="copy-row">
        <button
          mat-stroked-button
          type="button"
          [cdkCopyToClipboard]="secret()"
          (cdkCopyToClipboardCopied)="copied.set($event)"
          data-testid="api-key-copy"
        >
          {{ 'apiKeys.createdKey.copy' | translate }}
        </button>
        @if (copied()) {
          <span class="ok" role="status" data-testid="api-key-copied">{{
            'apiKeys.createdKey.copied' | translate
          }}</span>
        }
      </div>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button
        mat-flat-button
        type="button"
        (click)="done.emit()"
        cdkFocusInitial
        data-testid="api-key-done"
      >
        {{ 'apiKeys.createdKey.done' | translate }}
      </button>
    </mat-dialog-actions>
  `,
  styleUrl: './api-keys.page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ApiKeySecret {
  readonly secret = input.required<string>();
  /** A translation key. */
  readonly title = input('apiKeys.createdKey.title');
  /** A line under "copy it now", already translated. */
  readonly note = input<string | null>(null);
  readonly done = output<void>();
  protected readonly copied = signal(false);
}
