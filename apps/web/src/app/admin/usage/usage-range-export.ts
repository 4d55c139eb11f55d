import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import {
  MatDatepickerToggle,
  MatDateRangeInput,
  MatDateRangePicker,
  MatEndDate,
  MatStartDate,
} from '@angular/material/datepicker';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { TranslatePipe } from '@ngx-translate/core';
import { LIMITS } from '@tally/api-contract';
import { errorMessageKey } from '../../core/http/api-error';
import { toDay } from '../../core/i18n/format';
import { AdminApi } from '../data-access/admin-api.service';

const DAY_MS = 86_400_000;

/** Saves a blob as a file named `name` through a temporary link. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The usage page's export of a date range (from/to pickers): one CSV row per user per day. */
@Component({
  selector: 'app-usage-range-export',
  imports: [
    MatButtonModule,
    // The parts, not MatDatepickerModule: the module brings an English
    // MatDatepickerIntl of its own, over the translated one of admin.routes.ts.
    MatDateRangeInput,
    MatStartDate,
    MatEndDate,
    MatDateRangePicker,
    MatDatepickerToggle,
    MatFormFieldModule,
    MatInputModule,
    TranslatePipe,
  ],
  template: `
    <form
      class="range-export"
      (submit)="$event.preventDefault(); exportRange()"
    >
      <mat-form-field appearance="outline" subscriptSizing="dynamic">
        <mat-label>{{ 'admin.usage.range.label' | translate }}</mat-label>
        <mat-date-range-input [rangePicker]="rangePicker">
          <input
            matStartDate
            [placeholder]="'admin.usage.range.from' | translate"
            [attr.aria-label]="'admin.usage.range.from' | translate"
            [value]="from()"
            (dateChange)="from.set($event.value)"
            data-testid="usage-range-from"
          />
          <input
            matEndDate
            [placeholder]="'admin.usage.range.to' | translate"
            [attr.aria-label]="'admin.usage.range.to' | translate"
            [value]="to()"
            (dateChange)="to.set($event.value)"
            data-testid="usage-range-to"
          />
        </mat-date-range-input>
        <mat-datepicker-toggle matIconSuffix [for]="rangePicker" />
        <mat-date-range-picker #rangePicker />
      </mat-form-field>
      <button
        mat-stroked-button
        type="submit"
        [disabled]="!ready() || exporting()"
        data-testid="usage-range-export"
      >
        {{ 'admin.usage.range.export' | translate }}
      </button>
      @if (problem(); as key) {
        <p class="range-problem" role="alert" data-testid="usage-range-problem">
          {{ key | translate: { max: maxDays } }}
        </p>
      }
    </form>
  `,
  styles: `
    .range-export {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px;
    }
    .range-problem {
      flex-basis: 100%;
      margin: 0;
      color: var(--tally-danger);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UsageRangeExport {
  private readonly api = inject(AdminApi);

  protected readonly maxDays = LIMITS.historyDaysMax;
  protected readonly from = signal<Date | null>(null);
  protected readonly to = signal<Date | null>(null);
  protected readonly exporting = signal(false);
  private readonly failed = signal<string | null>(null);

  /** Whole days from `from` to `to`, both included. */
  private readonly days = computed(() => {
    const from = this.from();
    const to = this.to();
    if (!from || !to) return 0;
    const utc = (d: Date) =>
      Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
    return Math.round((utc(to) - utc(from)) / DAY_MS) + 1;
  });
  protected readonly problem = computed(() =>
    this.days() > this.maxDays ? 'admin.usage.range.tooLong' : this.failed(),
  );
  protected readonly ready = computed(
    () => this.days() >= 1 && this.days() <= this.maxDays,
  );

  protected exportRange(): void {
    const from = this.from();
    const to = this.to();
    if (!from || !to || !this.ready() || this.exporting()) return;
    const [first, last] = [toDay(from), toDay(to)];
    this.exporting.set(true);
    this.failed.set(null);
    this.api.usageRangeCsv(first, last).subscribe({
      next: (blob) => {
        this.exporting.set(false);
        saveBlob(blob, `tally-usage-${first}_${last}.csv`);
      },
      error: (err: unknown) => {
        this.exporting.set(false);
        this.failed.set(errorMessageKey(err));
      },
    });
  }
}
