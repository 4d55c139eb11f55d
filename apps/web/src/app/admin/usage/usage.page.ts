import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import {
  MatDatepicker,
  MatDatepickerInput,
  MatDatepickerToggle,
} from '@angular/material/datepicker';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSortModule, Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe } from '@ngx-translate/core';
import { LIMITS } from '@tally/api-contract';
import type {
  Group,
  Model,
  SortOrder,
  UsageHistoryItem,
  UsageReport,
  UsageReportQuery,
  UsageSortField,
} from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { LocalNumberPipe, formatDay, toDay } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { CostPipe } from '../../shared/money';
import { UsageBar } from '../../shared/usage-bar';
import { UsageChart } from '../../shared/usage-chart';
import { DataTable } from '../../shared/table/data-table';
import { NumberColumn } from '../../shared/table/number-column';
import { TableSearch } from '../../shared/table/table-controls';
import { TablePaging, loadOnChange } from '../../shared/table/table-paging';
import { AdminApi } from '../data-access/admin-api.service';
import { CatalogApi } from '../data-access/catalog-api.service';
import { GroupsApi } from '../data-access/groups-api.service';
import { UsageRangeExport } from './usage-range-export';
import { ShownNamePipe } from '../../shared/built-in-names';

const SORT_FIELDS: UsageSortField[] = ['tokens', 'messages', 'email', 'name'];

/**
 * A day's usage per user (sortable, searchable, paged, with totals and
 * cost), the day by model, CSV export and 30 days' history; all three of
 * one group's members or one model's use only, if chosen.
 */
@Component({
  selector: 'app-usage-page',
  imports: [
    ShownNamePipe,
    MatTableModule,
    MatSortModule,
    // The parts, not MatDatepickerModule: the module brings an English
    // MatDatepickerIntl of its own, over the translated one of admin.routes.ts.
    MatDatepicker,
    MatDatepickerInput,
    MatDatepickerToggle,
    MatFormFieldModule,
    MatInputModule,
    MatButtonModule,
    MatProgressBarModule,
    MatSelectModule,
    TranslatePipe,
    LocalNumberPipe,
    CostPipe,
    TableSearch,
    DataTable,
    NumberColumn,
    UsageBar,
    UsageChart,
    UsageRangeExport,
  ],
  templateUrl: './usage.page.html',
  styleUrls: ['../admin-page.css', './usage.page.css'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UsagePage {
  private readonly api = inject(AdminApi);
  private readonly language = inject(LanguageService);

  protected readonly columns = [
    'user',
    'messages',
    'messagesUsed',
    'tokens',
    'tokensUsed',
    'cost',
  ];
  protected readonly modelColumns = [
    'model',
    'messages',
    'promptTokens',
    'completionTokens',
    'tokens',
    'cost',
  ];
  protected readonly paging = new TablePaging();
  /** null until the admin picks one: the API's "today" in the quota time zone. */
  protected readonly date = signal<string | null>(null);
  protected readonly sort = signal<UsageSortField>('tokens');
  protected readonly order = signal<SortOrder>('desc');
  /** '' for every user / every model. */
  protected readonly groupId = signal('');
  protected readonly model = signal('');
  protected readonly groups = signal<Group[]>([]);
  protected readonly models = signal<Model[]>([]);
  protected readonly usage = loadOnChange<UsageReportQuery, UsageReport>(
    computed(() => ({
      date: this.date() ?? undefined,
      search: this.paging.search(),
      sort: this.sort(),
      order: this.order(),
      page: this.paging.page(),
      page_size: this.paging.pageSize(),
      group_id: this.groupId() || undefined,
      model: this.model() || undefined,
    })),
    (query) => this.api.usage(query),
  );
  /** The group and model chosen, for the tables and the chart alike. */
  private readonly filters = computed(() => ({
    group_id: this.groupId() || undefined,
    model: this.model() || undefined,
  }));
  /** The chosen day broken down by model, with the same filters. */
  protected readonly byModel = loadOnChange(
    computed(() => ({ date: this.date() ?? undefined, ...this.filters() })),
    (query) => this.api.usageByModel(query),
  );
  protected readonly exporting = signal(false);
  /** 30 days to today, with the same filters. */
  private readonly historyLoad = loadOnChange(this.filters, (query) =>
    this.api.usageHistory(query),
  );
  /** null while loading; no days when it could not be loaded. */
  protected readonly history = computed<UsageHistoryItem[] | null>(() => {
    if (this.historyLoad.loading()) {
      return null;
    }
    return this.historyLoad.error()
      ? []
      : (this.historyLoad.result()?.items ?? []);
  });

  protected readonly pickerValue = computed(() => {
    const day = this.date() ?? this.usage.result()?.date;
    if (!day) {
      return null;
    }
    const [y, m, d] = day.split('-').map(Number);
    return new Date(y, m - 1, d);
  });
  protected readonly dayLabel = computed(() => {
    const day = this.usage.result()?.date;
    return day ? formatDay(this.language.lang(), day) : '';
  });

  protected readonly modelDayLabel = computed(() => {
    const day = this.byModel.result()?.date;
    return day ? formatDay(this.language.lang(), day) : '';
  });

  constructor() {
    inject(GroupsApi)
      .groups({ page: 1, page_size: LIMITS.pageSizeMax })
      .subscribe({
        next: (page) => this.groups.set(page.items),
        error: () => undefined,
      });
    inject(CatalogApi)
      .models()
      .subscribe({
        next: (models) => this.models.set(models),
        error: () => undefined,
      });
  }

  protected onDate(value: Date | null): void {
    if (value) {
      this.date.set(toDay(value));
      this.paging.page.set(1);
    }
  }

  protected onGroup(id: string): void {
    this.groupId.set(id);
    this.paging.page.set(1);
  }

  protected onModel(id: string): void {
    this.model.set(id);
    this.paging.page.set(1);
  }

  protected onSort(sort: Sort): void {
    const field = SORT_FIELDS.find((f) => f === sort.active) ?? 'tokens';
    this.sort.set(field);
    this.order.set(sort.direction === 'asc' ? 'asc' : 'desc');
    this.paging.page.set(1);
  }

  protected exportCsv(): void {
    const day = this.date() ?? this.usage.result()?.date;
    if (!day || this.exporting()) {
      return;
    }
    this.exporting.set(true);
    this.api.usageCsv(day, this.groupId() || undefined).subscribe({
      next: (blob) => {
        this.exporting.set(false);
        const url = URL.createObjectURL(blob);
        const link = document.createElement('a');
        link.href = url;
        link.download = `tally-usage-${day}.csv`;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      },
      error: (err: unknown) => {
        this.exporting.set(false);
        this.usage.error.set(errorMessageKey(err));
      },
    });
  }
}
