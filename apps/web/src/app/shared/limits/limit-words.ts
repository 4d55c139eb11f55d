import { Pipe, PipeTransform, inject } from '@angular/core';
import { TranslateService } from '@ngx-translate/core';
import type { Limit, LimitMetric, LimitWindow } from '@tally/api-contract';
import { formatNumber } from '../../core/i18n/format';
import { LanguageService } from '../../core/i18n/language.service';
import { pluralKey } from '../../core/i18n/plural';
import { formatBudget } from '../money';

/**
 * Limits in words, through the translations `limits.*`: who a limit is for,
 * how much, per what, on which model. Cost amounts are micro-dollars.
 */

/** A limit with the name of its subject (a group's or a user's name). */
export type NamedLimit = Limit & { subject_name: string | null };

const text = (
  t: TranslateService,
  key: string,
  params?: Record<string, unknown>,
) => t.instant(key, params) as string;

/** "50 messages", "500,000 tokens", "$200". */
export function amountText(
  t: TranslateService,
  lang: string,
  metric: LimitMetric,
  amount: number,
): string {
  if (metric === 'cost') {
    return formatBudget(lang, amount);
  }
  return text(t, pluralKey(lang, `limits.amount.${metric}`, amount), {
    count: formatNumber(lang, amount),
  });
}

/** "everyone", "everyone together", "each member of Research", "Research together", "Ann". */
export function subjectText(t: TranslateService, limit: NamedLimit): string {
  const name = limit.subject_name ?? '';
  switch (limit.subject) {
    case 'everyone':
      return text(
        t,
        limit.shared
          ? 'limits.subject.everyoneShared'
          : 'limits.subject.everyone',
      );
    case 'group':
      return text(
        t,
        limit.shared ? 'limits.subject.groupShared' : 'limits.subject.group',
        { name },
      );
    case 'user':
      return text(t, 'limits.subject.user', { name });
    default:
      return text(t, 'limits.subject.apiKey', { name });
  }
}

/** "a day", "a week", "a month". */
export function perText(t: TranslateService, window: LimitWindow): string {
  return text(t, `limits.per.${window}`);
}

/** "today", "this week", "this month". */
export function periodText(t: TranslateService, window: LimitWindow): string {
  return text(t, `limits.period.${window}`);
}

/**
 * The whole limit in one sentence: "each member of Research: 50 messages a
 * day", "Research together: $200 a month", "Ann: $5 a month on gpt-4o".
 */
export function limitSentence(
  t: TranslateService,
  lang: string,
  limit: NamedLimit,
): string {
  return text(t, limit.model ? 'limits.sentenceModel' : 'limits.sentence', {
    subject: subjectText(t, limit),
    amount: amountText(t, lang, limit.metric, limit.amount),
    per: perText(t, limit.window),
    model: limit.model,
  });
}

/** "3 of 100 messages", "1,200 of 500,000 tokens", "$41.25 of $200". */
export function usedOfText(
  t: TranslateService,
  lang: string,
  metric: LimitMetric,
  used: number,
  limit: number,
): string {
  if (metric === 'cost') {
    return text(t, 'limits.usedOf.cost', {
      used: formatBudget(lang, used),
      limit: formatBudget(lang, limit),
    });
  }
  return text(t, pluralKey(lang, `limits.usedOf.${metric}`, limit), {
    used: formatNumber(lang, used),
    limit: formatNumber(lang, limit),
  });
}

/** `{{ limit | limitSentence }}`, following the language signal. */
@Pipe({ name: 'limitSentence', pure: false })
export class LimitSentencePipe implements PipeTransform {
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);

  transform(limit: NamedLimit | null | undefined): string {
    return limit
      ? limitSentence(this.translate, this.language.lang(), limit)
      : '';
  }
}
