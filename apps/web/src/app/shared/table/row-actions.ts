import {
  ChangeDetectionStrategy,
  Component,
  input,
  output,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatTooltipModule } from '@angular/material/tooltip';
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
  imports: [MatButtonModule, MatTooltipModule, TranslatePipe],
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
      (click)="blocked() || remove.emit()"
      [disabled]="busy() || !!blocked()"
      [disabledInteractive]="!!blocked()"
      [matTooltip]="blocked()?.key ?? '' | translate: blocked()?.params"
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
  /**
   * Why the API would refuse to delete the row (a translation key and its
   * params), or null: Delete is then disabled up front, still focusable, and
   * says why (a tooltip, read out as its description).
   */
  readonly blocked = input<{
    key: string;
    params?: Record<string, unknown>;
  } | null>(null);
  readonly edit = output<void>();
  readonly remove = output<void>();
}
