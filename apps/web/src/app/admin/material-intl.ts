import { Injectable, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { DateAdapter } from '@angular/material/core';
import { MatDatepickerIntl } from '@angular/material/datepicker';
import { MatPaginatorIntl } from '@angular/material/paginator';
import { TranslateService } from '@ngx-translate/core';
import { Subject } from 'rxjs';
import { formatNumber } from '../core/i18n/format';
import { LanguageService } from '../core/i18n/language.service';

/**
 * Keeps the string labels of a Material "intl" object in the chosen
 * language: each field gets the translation of `prefix.key` now and after
 * every language switch, then the components are told. Call it in the
 * constructor.
 */
function keepTranslated<T extends { changes: Subject<void> }>(
  intl: T,
  prefix: string,
  labels: { [K in keyof T]?: string },
): void {
  const translate = inject(TranslateService);
  const update = () => {
    for (const [field, key] of Object.entries(labels)) {
      (intl as Record<string, unknown>)[field] = translate.instant(
        `${prefix}.${key as string}`,
      );
    }
    intl.changes.next();
  };
  translate.onTranslationRefresh.pipe(takeUntilDestroyed()).subscribe(update);
  update();
}

/** Paginator labels in the chosen language. */
@Injectable()
export class TranslatedPaginatorIntl extends MatPaginatorIntl {
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);

  constructor() {
    super();
    keepTranslated<MatPaginatorIntl>(this, 'common.paginator', {
      itemsPerPageLabel: 'itemsPerPage',
      nextPageLabel: 'next',
      previousPageLabel: 'previous',
      firstPageLabel: 'first',
      lastPageLabel: 'last',
    });
  }

  override getRangeLabel = (
    page: number,
    pageSize: number,
    length: number,
  ): string => {
    const lang = this.language.lang();
    if (length === 0 || pageSize === 0) {
      return this.translate.instant('common.paginator.rangeEmpty', {
        length: formatNumber(lang, length),
      }) as string;
    }
    const start = page * pageSize;
    const end = Math.min(start + pageSize, length);
    return this.translate.instant('common.paginator.range', {
      start: formatNumber(lang, start + 1),
      end: formatNumber(lang, end),
      length: formatNumber(lang, length),
    }) as string;
  };
}

/** Date picker labels in the chosen language. */
@Injectable()
export class TranslatedDatepickerIntl extends MatDatepickerIntl {
  constructor() {
    super();
    keepTranslated<MatDatepickerIntl>(this, 'common.datepicker', {
      calendarLabel: 'calendar',
      openCalendarLabel: 'open',
      closeCalendarLabel: 'close',
      prevMonthLabel: 'prevMonth',
      nextMonthLabel: 'nextMonth',
      prevYearLabel: 'prevYear',
      nextYearLabel: 'nextYear',
      prevMultiYearLabel: 'prevMultiYear',
      nextMultiYearLabel: 'nextMultiYear',
      switchToMonthViewLabel: 'monthView',
      switchToMultiYearViewLabel: 'multiYearView',
    });
  }
}

/** Keeps the date adapter (day and month names, date input parsing) in the chosen language. */
export function syncDateAdapterLocale(): void {
  const adapter = inject(DateAdapter);
  const language = inject(LanguageService);
  const translate = inject(TranslateService);
  adapter.setLocale(language.lang());
  translate.onLangChange
    .pipe(takeUntilDestroyed())
    .subscribe((event) => adapter.setLocale(event.lang));
}
