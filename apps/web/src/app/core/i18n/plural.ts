import { Pipe, PipeTransform, inject } from '@angular/core';
import { TranslateService } from '@ngx-translate/core';
import { LanguageService } from './language.service';
import { formatNumber } from './format';

const rulesCache = new Map<string, Intl.PluralRules>();

/** CLDR plural category of `count` in `lang` (ru: one, few, many, other; en: one, other). */
export function pluralCategory(
  lang: string,
  count: number,
): Intl.LDMLPluralRule {
  let rules = rulesCache.get(lang);
  if (!rules) {
    rules = new Intl.PluralRules(lang);
    rulesCache.set(lang, rules);
  }
  return rules.select(count);
}

/** `base.one` / `base.few` / `base.many` / `base.other`, whichever the language wants for `count`. */
export function pluralKey(lang: string, base: string, count: number): string {
  return `${base}.${pluralCategory(lang, count)}`;
}

/**
 * Translates a counted phrase with the right plural form:
 * `{{ 5 | plural: 'admin.users.count' }}` → "5 пользователей". The translation gets
 * `count` (formatted for the language) plus any extra params.
 * Impure because it follows the language signal; the work is a map lookup.
 */
@Pipe({ name: 'plural', pure: false })
export class PluralPipe implements PipeTransform {
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);

  transform(
    count: number,
    base: string,
    params: Record<string, unknown> = {},
  ): string {
    const lang = this.language.lang();
    return this.translate.instant(pluralKey(lang, base, count), {
      count: formatNumber(lang, count),
      ...params,
    }) as string;
  }
}
