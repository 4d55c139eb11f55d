import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDatepickerModule } from '@angular/material/datepicker';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSortModule, Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe } from '@ngx-translate/core';
import type {
  SortOrder,
  UsageHistoryItem,
  UsageReport,
  UsageSortField,
} from '@tally/api-contract';
import {
  Subject,
  catchError,
  debounceTime,
  distinctUntilChanged,
  of,
  switchMap,
  tap,
} from 'rxjs';
import { errorMessageKey } from '../../core/http/api-error';
import { LocalNumberPipe, formatDay, toDay } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { AdminApi } from '../data-access/admin-api.service';
import { UsageBar } from './usage-bar';
import { UsageChart } from './usage-chart';

const SORT_FIELDS: UsageSortField[] = ['tokens', 'messages', 'email', 'name'];

/** A day's usage per user (sortable, searchable, paged, with totals), CSV export and 30 days' history. */
@Component({
  selector: 'app-usage-page',
  imports: [
    MatTableModule,
    MatSortModule,
    MatPaginatorModule,
    MatDatepickerModule,
    MatFormFieldModule,
    MatInputModule,
    MatButtonModule,
    MatProgressBarModule,
    TranslatePipe,
    LocalNumberPipe,
    UsageBar,
    UsageChart,
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
  ];
  protected readonly pageSizes = [10, 20, 50, 100];
  /** null until the admin picks one: the API's "today" in the quota time zone. */
  protected readonly date = signal<string | null>(null);
  protected readonly search = signal('');
  protected readonly sort = signal<UsageSortField>('tokens');
  protected readonly order = signal<SortOrder>('desc');
  protected readonly page = signal(1);
  protected readonly pageSize = signal(20);
  protected readonly loading = signal(true);
  protected readonly exporting = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly report = signal<UsageReport | null>(null);
  protected readonly history = signal<UsageHistoryItem[] | null>(null);
  private readonly searchInput = new Subject<string>();

  protected readonly pickerValue = computed(() => {
    const day = this.date() ?? this.report()?.date;
    if (!day) {
      return null;
    }
    const [y, m, d] = day.split('-').map(Number);
    return new Date(y, m - 1, d);
  });
  protected readonly dayLabel = computed(() => {
    const day = this.report()?.date;
    return day ? formatDay(this.language.lang(), day) : '';
  });

  private readonly query = computed(() => ({
    date: this.date() ?? undefined,
    search: this.search(),
    sort: this.sort(),
    order: this.order(),
    page: this.page(),
    page_size: this.pageSize(),
  }));

  constructor() {
    this.searchInput
      .pipe(debounceTime(300), distinctUntilChanged(), takeUntilDestroyed())
      .subscribe((text) => {
        this.search.set(text.trim());
        this.page.set(1);
      });
    toObservable(this.query)
      .pipe(
        tap(() => this.loading.set(true)),
        switchMap((query) =>
          this.api.usage(query).pipe(
            catchError((err: unknown) => {
              this.error.set(errorMessageKey(err));
              return of(null);
            }),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((report) => {
        this.loading.set(false);
        if (report) {
          this.error.set(null);
          this.report.set(report);
        }
      });
    this.api.usageHistory().subscribe({
      next: (history) => this.history.set(history.items),
      error: () => this.history.set([]),
    });
  }

  protected onDate(value: Date | null): void {
    if (value) {
      this.date.set(toDay(value));
      this.page.set(1);
    }
  }

  protected onSearch(event: Event): void {
    this.searchInput.next((event.target as HTMLInputElement).value);
  }

  protected onSort(sort: Sort): void {
    const field = SORT_FIELDS.find((f) => f === sort.active) ?? 'tokens';
    this.sort.set(field);
    this.order.set(sort.direction === 'asc' ? 'asc' : 'desc');
    this.page.set(1);
  }

  protected onPage(event: PageEvent): void {
    this.pageSize.set(event.pageSize);
    this.page.set(event.pageIndex + 1);
  }

  protected exportCsv(): void {
    const day = this.date() ?? this.report()?.date;
    if (!day || this.exporting()) {
      return;
    }
    this.exporting.set(true);
    this.api.usageCsv(day).subscribe({
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
        this.error.set(errorMessageKey(err));
      },
    });
  }
}
