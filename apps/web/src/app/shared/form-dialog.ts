import {
  ChangeDetectionStrategy,
  Component,
  WritableSignal,
  computed,
  input,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { TranslatePipe } from '@ngx-translate/core';
import type { Observable } from 'rxjs';
import { errorMessageKey } from '../core/http/api-error';

/**
 * The frame of a dialog that edits one thing in a form: the title, the
 * fields (projected), what the last save said, Cancel and the saving button.
 * The dialog puts its form group on the frame itself, which the fields find
 * as their form and whose `ngSubmit` the frame's submit reaches:
 *
 * ```html
 * <app-form-dialog [formGroup]="form" (ngSubmit)="save()" name="group"
 *   heading="admin.groups.dialog.editTitle" saveLabel="common.save"
 *   [busy]="busy()" [error]="error()">
 *   <app-text-field name="name" label="admin.groups.dialog.name" />
 * </app-form-dialog>
 * ```
 *
 * `name` gives the test ids: `<name>-dialog` (the form), `<name>-dialog-error`
 * and `<name>-save`.
 */
@Component({
  selector: 'app-form-dialog',
  imports: [MatDialogModule, MatButtonModule, TranslatePipe],
  template: `
    <h2 mat-dialog-title>{{ heading() | translate: headingParams() }}</h2>
    <form novalidate [attr.data-testid]="name() + '-dialog'">
      <mat-dialog-content class="fields" [style.min-width]="minWidth()">
        <ng-content />
        @if (error(); as key) {
          <p
            class="error-text"
            role="alert"
            [attr.data-testid]="name() + '-dialog-error'"
          >
            {{ key | translate }}
          </p>
        }
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close>
          {{ 'common.cancel' | translate }}
        </button>
        <button
          mat-flat-button
          type="submit"
          [disabled]="busy()"
          [attr.data-testid]="name() + '-save'"
        >
          {{ saveLabel() | translate }}
        </button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    :host {
      display: contents;
    }
    .fields {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FormDialog {
  /** Names the test ids (see above). */
  readonly name = input.required<string>();
  /** Translation keys, and the heading's params. */
  readonly heading = input.required<string>();
  readonly headingParams = input<Record<string, unknown>>({});
  readonly saveLabel = input.required<string>();
  /** A save is on its way: the saving button waits. */
  readonly busy = input(false);
  /** Translation key of what the last save said. */
  readonly error = input<string | null>(null);
  /** The fields' least width (a CSS length), below 80% of the window. */
  readonly width = input('460px');

  protected readonly minWidth = computed(() => `min(${this.width()}, 80vw)`);
}

/** What a form dialog's save works with: its ref, and the busy and error it shows. */
export interface DialogSaving<R> {
  ref: MatDialogRef<unknown, R>;
  busy: WritableSignal<boolean>;
  error: WritableSignal<string | null>;
}

/**
 * Runs a form dialog's save: busy while the request runs; then the dialog
 * closes with the answer, or its error line says what failed (`byStatus`:
 * statuses with words of their own, as `errorMessageKey` takes them).
 */
export function saveAndClose<R>(
  dialog: DialogSaving<R>,
  request: Observable<R>,
  byStatus: Readonly<Record<number, string>> = {},
): void {
  dialog.busy.set(true);
  dialog.error.set(null);
  request.subscribe({
    next: (answer) => dialog.ref.close(answer),
    error: (err: unknown) => {
      dialog.busy.set(false);
      dialog.error.set(errorMessageKey(err, byStatus));
    },
  });
}
