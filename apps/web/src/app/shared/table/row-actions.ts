import {
  ChangeDetectionStrategy,
  Component,
  input,
  output,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { TranslatePipe } from '@ngx-translate/core';

/**
 * A table row's Edit and Delete, the same on every admin page. `keys` is the
 * page's translation prefix: it gives `<keys>.edit` (the button's word) and
 * `<keys>.editLabel` / `<keys>.deleteLabel` (what a screen reader hears,
 * with `params`); `name` gives the test ids `edit-<name>` and
 * `delete-<name>`. More buttons of the row go between the two (projected):
 *
 * ```html
 * <app-row-actions keys="admin.groups" name="group" [params]="{ name: g.name }"
 *   [busy]="busy().has(g.id)" (edit)="edit(g)" (remove)="remove(g)" />
 * ```
 */
@Component({
  selector: 'app-row-actions',
  imports: [MatButtonModule, TranslatePipe],
  template: `
    <button
      mat-button
      type="button"
      (click)="edit.emit()"
      [attr.aria-label]="keys() + '.editLabel' | translate: params()"
      [attr.data-testid]="'edit-' + name()"
    >
      {{ keys() + '.edit' | translate }}
    </button>
    <ng-content />
    <button
      mat-button
      type="button"
      (click)="remove.emit()"
      [disabled]="busy()"
      [attr.aria-label]="keys() + '.deleteLabel' | translate: params()"
      [attr.data-testid]="'delete-' + name()"
    >
      {{ 'common.delete' | translate }}
    </button>
  `,
  styles: `
    :host {
      display: contents;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RowActions {
  /** Translation prefix of the page (`admin.models`). */
  readonly keys = input.required<string>();
  /** What the row holds, for the test ids (`model`). */
  readonly name = input.required<string>();
  /** The labels' params (`{ name: m.name }`). */
  readonly params = input<Record<string, unknown>>({});
  /** The row's delete is on its way: Delete waits. */
  readonly busy = input(false);
  readonly edit = output<void>();
  readonly remove = output<void>();
}
