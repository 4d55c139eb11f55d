import { Pipe, PipeTransform, inject } from '@angular/core';
import { LanguageService } from './language.service';

/** Number formatting and date formatting that follow the chosen language (Intl). */

const cache = new Map<
  string,
  Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat
>();

function cached<
  T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat,
>(key: string, create: () => T): T {
  let value = cache.get(key) as T | undefined;
  if (!value) {
    value = create();
    cache.set(key, value);
  }
  return value;
}

export function formatNumber(lang: string, value: number): string {
  return cached(`n|${lang}`, () => new Intl.NumberFormat(lang)).format(value);
}

/** 12400 → "12.4K" (en), "12,4 тыс." (ru). */
export function formatCompact(lang: string, value: number): string {
  return cached(
    `c|${lang}`,
    () =>
      new Intl.NumberFormat(lang, {
        notation: 'compact',
        maximumFractionDigits: 1,
      }),
  ).format(value);
}

export function formatPercent(lang: string, ratio: number): string {
  return cached(
    `p|${lang}`,
    () =>
      new Intl.NumberFormat(lang, {
        style: 'percent',
        maximumFractionDigits: 0,
      }),
  ).format(ratio);
}

/** Date and time in the user's own time zone; `seconds` adds them (a log's times). */
export function formatDateTime(
  lang: string,
  value: string | Date,
  precision: 'minutes' | 'seconds' = 'minutes',
): string {
  return cached(
    `dt|${precision}|${lang}`,
    () =>
      new Intl.DateTimeFormat(lang, {
        dateStyle: 'medium',
        timeStyle: precision === 'seconds' ? 'medium' : 'short',
      }),
  ).format(new Date(value));
}

/** The day of a moment in the user's own time zone, short: "14 Dec" / "14 дек.". */
export function formatShortDate(lang: string, value: string | Date): string {
  return cached(
    `sd|${lang}`,
    () => new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric' }),
  ).format(new Date(value));
}

/** A calendar day `YYYY-MM-DD`, shown without any time-zone shift. */
export function formatDay(
  lang: string,
  day: string,
  style: 'medium' | 'short' = 'medium',
): string {
  const [y, m, d] = day.split('-').map(Number);
  const options: Intl.DateTimeFormatOptions =
    style === 'short'
      ? { month: 'short', day: 'numeric', timeZone: 'UTC' }
      : { dateStyle: 'medium', timeZone: 'UTC' };
  return cached(
    `d|${style}|${lang}`,
    () => new Intl.DateTimeFormat(lang, options),
  ).format(new Date(Date.UTC(y, m - 1, d)));
}

/** "in 3 hours" / "через 3 часа": the largest unit that is at least 1, rounded up. */
export function formatRelative(lang: string, ms: number): string {
  const rtf = cached(
    `r|${lang}`,
    () => new Intl.RelativeTimeFormat(lang, { numeric: 'always' }),
  );
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds >= 3600) {
    return rtf.format(Math.ceil(seconds / 3600), 'hour');
  }
  if (seconds >= 60) {
    return rtf.format(Math.ceil(seconds / 60), 'minute');
  }
  return rtf.format(seconds, 'second');
}

/** Calendar day of a local date: `YYYY-MM-DD`. */
export function toDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `{{ n | localNumber }}`, following the language signal. */
@Pipe({ name: 'localNumber', pure: false })
export class LocalNumberPipe implements PipeTransform {
  private readonly language = inject(LanguageService);

  transform(
    value: number | null | undefined,
    style: 'plain' | 'compact' = 'plain',
  ): string {
    if (value === null || value === undefined) {
      return '';
    }
    const lang = this.language.lang();
    return style === 'compact'
      ? formatCompact(lang, value)
      : formatNumber(lang, value);
  }
}

/** `{{ iso | localDateTime }}` (or `localDateTime: 'seconds'`) in the user's local time zone. */
@Pipe({ name: 'localDateTime', pure: false })
export class LocalDateTimePipe implements PipeTransform {
  private readonly language = inject(LanguageService);

  transform(
    value: string | null | undefined,
    precision: 'minutes' | 'seconds' = 'minutes',
  ): string {
    return value ? formatDateTime(this.language.lang(), value, precision) : '';
  }
}
