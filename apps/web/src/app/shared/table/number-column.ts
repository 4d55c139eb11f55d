import {
  ChangeDetectionStrategy,
  Component,
  OnInit,
  ViewChild,
  input,
} from '@angular/core';
import {
  MatCellDef,
  MatColumnDef,
  MatHeaderCellDef,
  MatTableModule,
} from '@angular/material/table';
import { TranslatePipe } from '@ngx-translate/core';
import { LocalNumberPipe } from '../../core/i18n/format';
import { CostPipe } from '../money';

/**
 * A column of one number of each row, aligned to the end, inside an
 * `app-data-table` (which adds it to its table, as the `matColumnDef`s the
 * page writes itself): `row[field]` as a number, or as dollars (`cost`,
 * micro-dollars).
 *
 * ```html
 * <app-number-column name="tokens" field="tokens" header="admin.usage.byModel.tokens" />
 * ```
 */
@Component({
  selector: 'app-number-column',
  imports: [MatTableModule, TranslatePipe, LocalNumberPipe, CostPipe],
  template: `
    <ng-container matColumnDef>
      <th mat-header-cell *matHeaderCellDef class="num">
        {{ header() | translate }}
      </th>
      <td
        mat-cell
        *matCellDef="let row"
        class="num"
        [attr.data-testid]="testId()"
      >
        @if (cost()) {
          {{ row[field()] | cost }}
        } @else {
          {{ row[field()] | localNumber }}
        }
      </td>
    </ng-container>
  `,
  styles: `
    .num {
      text-align: end;
      font-variant-numeric: tabular-nums;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NumberColumn implements OnInit {
  /** The column's id, as the table's `columns` list it. */
  readonly name = input.required<string>();
  /** The row's property shown. */
  readonly field = input.required<string>();
  /** Translation key of the header. */
  readonly header = input.required<string>();
  /** Micro-dollars, shown as dollars. */
  readonly cost = input(false);
  readonly testId = input<string | null>(null);

  @ViewChild(MatColumnDef, { static: true }) columnDef!: MatColumnDef;
  @ViewChild(MatCellDef, { static: true }) private cell!: MatCellDef;
  @ViewChild(MatHeaderCellDef, { static: true })
  private headerCell!: MatHeaderCellDef;

  ngOnInit(): void {
    // The definition's own content queries are not done by the time the
    // table takes it: it is given its name and cells here, as MatTextColumn does.
    this.columnDef.name = this.name();
    this.columnDef.cell = this.cell;
    this.columnDef.headerCell = this.headerCell;
  }
}
