import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule } from '@angular/material/paginator';
import { TranslatePipe } from '@ngx-translate/core';
import { TablePaging } from './table-paging';

/** The search box of a paged table. */
@Component({
  selector: 'app-table-search',
  imports: [MatFormFieldModule, MatInputModule, TranslatePipe],
  template: `
    <mat-form-field appearance="outline" subscriptSizing="dynamic">
      <mat-label>{{ label() | translate }}</mat-label>
      <input
        matInput
        type="search"
        (input)="onInput($event)"
        [attr.data-testid]="testId()"
      />
    </mat-form-field>
  `,
  styles: `
    :host {
      display: block;
      flex: 1 1 240px;
      max-width: 420px;
    }
    mat-form-field {
      width: 100%;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TableSearch {
  readonly paging = input.required<TablePaging>();
  /** Translation key. */
  readonly label = input.required<string>();
  readonly testId = input<string | null>(null);

  protected onInput(event: Event): void {
    this.paging().searchFor((event.target as HTMLInputElement).value);
  }
}

/** The paginator of a paged table (labels come from the translated MatPaginatorIntl). */
@Component({
  selector: 'app-table-paginator',
  imports: [MatPaginatorModule],
  template: `
    <mat-paginator
      [length]="length()"
      [pageIndex]="paging().page() - 1"
      [pageSize]="paging().pageSize()"
      [pageSizeOptions]="paging().pageSizes"
      (page)="paging().onPage($event)"
    />
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TablePaginator {
  readonly paging = input.required<TablePaging>();
  readonly length = input.required<number>();
}
