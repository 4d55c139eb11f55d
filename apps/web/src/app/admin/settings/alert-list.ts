import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
} from '@angular/core';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type { Alert, QuotaLimit } from '@tally/api-contract';
import { LocalDateTimePipe, formatNumber } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { subjectText } from '../../shared/limits/limit-words';
import { formatBudget } from '../../shared/money';
import { DataTable } from '../../shared/table/data-table';
import { TablePaging, loadOnChange } from '../../shared/table/table-paging';
import { AlertsApi } from '../data-access/alerts-api.service';

/** Where an alert's delivery stands, as a key of `admin.alerts.state.*`. */
export function deliveryState(
  alert: Alert,
): 'delivered' | 'pending' | 'retrying' | 'failed' | 'noUrl' {
  if (alert.delivered_at) return 'delivered';
  if (alert.next_attempt_at) return alert.attempts > 0 ? 'retrying' : 'pending';
  return alert.attempts > 0 ? 'failed' : 'noUrl';
}

/** The recorded alerts, newest first, with their delivery. */
@Component({
  selector: 'app-alert-list',
  imports: [MatTableModule, TranslatePipe, LocalDateTimePipe, DataTable],
  templateUrl: './alert-list.html',
  styleUrls: ['../admin-page.css', './settings.page.css'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AlertList {
  /** Bumped by the page to load the list again (a test alert was sent). */
  readonly reload = input(0);

  private readonly api = inject(AlertsApi);
  private readonly t = inject(TranslateService);
  private readonly language = inject(LanguageService);
  protected readonly columns = ['created', 'what', 'user', 'delivery'];
  protected readonly paging = new TablePaging();
  protected readonly alerts = loadOnChange(
    computed(() => ({
      page: this.paging.page(),
      page_size: this.paging.pageSize(),
      reload: this.reload(),
    })),
    ({ page, page_size }) => this.api.alerts({ page, page_size }),
  );
  protected readonly state = deliveryState;

  /** Whose limit: "everyone", "Research together", "API key billing". */
  protected subject(limit: QuotaLimit): string {
    this.language.lang();
    return subjectText(this.t, limit);
  }

  /** An amount of the limit: a number, or money for cost (rounded down to the cent, as the budget shows it). */
  protected amount(limit: QuotaLimit, value: number): string {
    const lang = this.language.lang();
    if (limit.metric !== 'cost') {
      return formatNumber(lang, value);
    }
    const cent = 10_000;
    return formatBudget(
      lang,
      value >= cent ? Math.floor(value / cent) * cent : value,
    );
  }
}
