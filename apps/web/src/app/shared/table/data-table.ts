import {
  AfterContentInit,
  ChangeDetectionStrategy,
  Component,
  ContentChildren,
  DestroyRef,
  ElementRef,
  QueryList,
  ViewChild,
  ViewEncapsulation,
  inject,
  input,
} from '@angular/core';
import {
  MatColumnDef,
  MatRowDef,
  MatTable,
  MatTableModule,
} from '@angular/material/table';
import { TranslatePipe } from '@ngx-translate/core';
import { PluralPipe } from '../../core/i18n/plural';
import { LoadStatus } from '../load-status';
import { keepCellsLabelled } from './cell-labels';
import { NumberColumn } from './number-column';
import { TablePaginator } from './table-controls';
import type { TablePaging } from './table-paging';

function idOf(row: unknown): unknown {
  return (row as { id?: unknown }).id ?? row;
}

/**
 * A table of the admin pages: the page gives its columns (`matColumnDef`,
 * or `app-number-column`) and its row (`matRowDef`, with the row's own
 * attributes); this gives the rest, the same everywhere: the count ("12 users"), the loading bar and
 * what failed, a slot for a notice (`[tableNotice]`), the scrolling
 * wrapper, the header row, the line of an empty table ("Loading…" while
 * loading) and the paginator. Rows are tracked by `key` (their id), so
 * focus returns to the button a dialog was opened from after a reload. A
 * table the server sorts puts `matSort` on this element. Each cell carries
 * its column's header as `data-label`: on a phone a row is a card of
 * label–value pairs (data-table.css).
 */
@Component({
  selector: 'app-data-table',
  imports: [
    MatTableModule,
    TranslatePipe,
    PluralPipe,
    LoadStatus,
    TablePaginator,
  ],
  template: `
    @let all = total();
    @if (count(); as key) {
      @if (all !== null) {
        <p class="muted" [attr.data-testid]="countTestId()">
          {{ all | plural: key }}
        </p>
      }
    }
    @if (status()) {
      <app-load-status [loading]="loading()" [error]="error()" />
    }
    <ng-content select="[tableNotice]" />
    <div
      class="table-wrap"
      [attr.tabindex]="region() ? 0 : null"
      [attr.role]="region() ? 'region' : null"
      [attr.aria-labelledby]="region()"
    >
      <table
        mat-table
        [dataSource]="rows()"
        [trackBy]="trackBy"
        [attr.data-testid]="testId()"
      >
        <tr mat-header-row *matHeaderRowDef="columns()"></tr>
        <tr class="mat-row" *matNoDataRow>
          <td class="mat-cell no-data" [attr.colspan]="columns().length">
            {{ (loading() ? 'common.loading' : none()) | translate }}
          </td>
        </tr>
      </table>
    </div>
    @if (paging(); as paging) {
      <app-table-paginator [paging]="paging" [length]="total() ?? 0" />
    }
  `,
  styleUrl: './data-table.css',
  // The cells come from the page's template: these rules reach them by the
  // element's name rather than by the component's own attribute.
  encapsulation: ViewEncapsulation.None,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DataTable<T> implements AfterContentInit {
  readonly rows = input.required<readonly T[]>();
  /** The ids of the columns shown, in order. */
  readonly columns = input.required<readonly string[]>();
  readonly loading = input(false);
  /** Translation key of the empty table's line. */
  readonly none = input.required<string>();
  readonly testId = input<string | null>(null);
  /** Shows the loading bar and `error` above the table. */
  readonly status = input(false);
  /** Translation key of what failed. */
  readonly error = input<string | null>(null);
  /** Plural key of the count line ("12 users"), shown once `total` is known. */
  readonly count = input<string | null>(null);
  readonly countTestId = input<string | null>(null);
  /** All rows, on every page; null until known. */
  readonly total = input<number | null>(null);
  /** A table the server pages: the paginator under it. */
  readonly paging = input<TablePaging | null>(null);
  /** What keeps a row the same row across reloads: its id, or the row itself. */
  readonly key = input<(row: T) => unknown>(idOf);
  /**
   * The id of the heading that names the table: its scrolling wrapper
   * becomes a focusable region (on a narrow screen it scrolls sideways, and
   * may have nothing else to focus).
   */
  readonly region = input<string | null>(null);

  @ViewChild(MatTable, { static: true }) private table!: MatTable<T>;
  @ContentChildren(MatColumnDef) private columnDefs!: QueryList<MatColumnDef>;
  @ContentChildren(NumberColumn)
  private numberColumns!: QueryList<NumberColumn>;
  @ContentChildren(MatRowDef) private rowDefs!: QueryList<MatRowDef<T>>;

  protected readonly trackBy = (_: number, row: T) => this.key()(row);

  constructor() {
    const stop = keepCellsLabelled(
      inject<ElementRef<HTMLElement>>(ElementRef).nativeElement,
    );
    inject(DestroyRef).onDestroy(stop);
  }

  ngAfterContentInit(): void {
    this.columnDefs.forEach((def) => this.table.addColumnDef(def));
    this.numberColumns.forEach((c) => this.table.addColumnDef(c.columnDef));
    this.rowDefs.forEach((def) => this.table.addRowDef(def));
  }
}
