import { Injectable, OnDestroy, inject } from '@angular/core';
import { DateAdapter } from '@angular/material/core';
import { MatDatepickerIntl } from '@angular/material/datepicker';
import { MatPaginatorIntl } from '@angular/material/paginator';
import { TranslateService } from '@ngx-translate/core';
import { Subscription } from 'rxjs';
import { formatNumber } from '../core/i18n/format';
import { LanguageService } from '../core/i18n/language.service';

/** Paginator labels in the chosen language. */
@Injectable()
export class TranslatedPaginatorIntl
  extends MatPaginatorIntl
  implements OnDestroy
{
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);
  private readonly subscription: Subscription;

  constructor() {
    super();
    this.subscription = this.translate.onTranslationRefresh.subscribe(() =>
      this.update(),
    );
    this.update();
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

  ngOnDestroy(): void {
    this.subscription.unsubscribe();
  }

  private update(): void {
    const t = (key: string) =>
      this.translate.instant(`common.paginator.${key}`) as string;
    this.itemsPerPageLabel = t('itemsPerPage');
    this.nextPageLabel = t('next');
    this.previousPageLabel = t('previous');
    this.firstPageLabel = t('first');
    this.lastPageLabel = t('last');
    this.changes.next();
  }
}

/** Date picker labels in the chosen language. */
@Injectable()
export class TranslatedDatepickerIntl
  extends MatDatepickerIntl
  implements OnDestroy
{
  private readonly translate = inject(TranslateService);
  private readonly subscription: Subscription;

  constructor() {
    super();
    this.subscription = this.translate.onTranslationRefresh.subscribe(() =>
      this.update(),
    );
    this.update();
  }

  ngOnDestroy(): void {
    this.subscription.unsubscribe();
  }

  private update(): void {
    const t = (key: string) =>
      this.translate.instant(`common.datepicker.${key}`) as string;
    this.calendarLabel = t('calendar');
    this.openCalendarLabel = t('open');
    this.closeCalendarLabel = t('close');
    this.prevMonthLabel = t('prevMonth');
    this.nextMonthLabel = t('nextMonth');
    this.prevYearLabel = t('prevYear');
    this.nextYearLabel = t('nextYear');
    this.prevMultiYearLabel = t('prevMultiYear');
    this.nextMultiYearLabel = t('nextMultiYear');
    this.switchToMonthViewLabel = t('monthView');
    this.switchToMultiYearViewLabel = t('multiYearView');
    this.changes.next();
  }
}

/** Keeps the date adapter (day and month names, date input parsing) in the chosen language. */
export function syncDateAdapterLocale(): void {
  const adapter = inject(DateAdapter);
  const language = inject(LanguageService);
  const translate = inject(TranslateService);
  adapter.setLocale(language.lang());
  translate.onLangChange.subscribe((event) => adapter.setLocale(event.lang));
}
