import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import {
  MAT_DIALOG_DATA,
  MatDialog,
  MatDialogModule,
} from '@angular/material/dialog';
import { TranslatePipe } from '@ngx-translate/core';
import { Observable, map } from 'rxjs';

export interface ConfirmData {
  /** Translation keys and their params. */
  title: string;
  message: string;
  params?: Record<string, unknown>;
  /** The confirming button's label; "Delete" unless told. */
  confirm?: string;
}

/** "Delete X?" with Cancel (focused first: the least destructive choice) and the action. */
@Component({
  selector: 'app-confirm-dialog',
  imports: [MatDialogModule, MatButtonModule, TranslatePipe],
  template: `
    <h2 mat-dialog-title>{{ data.title | translate: data.params }}</h2>
    <mat-dialog-content>
      <p>{{ data.message | translate: data.params }}</p>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button
        mat-button
        type="button"
        [mat-dialog-close]="false"
        cdkFocusInitial
        data-testid="confirm-cancel"
      >
        {{ 'common.cancel' | translate }}
      </button>
      <button
        mat-flat-button
        type="button"
        [mat-dialog-close]="true"
        data-testid="confirm-ok"
      >
        {{ data.confirm ?? 'common.delete' | translate }}
      </button>
    </mat-dialog-actions>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfirmDialog {
  protected readonly data = inject<ConfirmData>(MAT_DIALOG_DATA);
}

/** Opens the confirm dialog; emits once, true when confirmed. */
export function confirmAction(
  dialog: MatDialog,
  data: ConfirmData,
): Observable<boolean> {
  return dialog
    .open<ConfirmDialog, ConfirmData, boolean>(ConfirmDialog, { data })
    .afterClosed()
    .pipe(map((confirmed) => confirmed === true));
}
