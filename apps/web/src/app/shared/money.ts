import { Pipe, PipeTransform, inject } from '@angular/core';
import { TranslateService } from '@ngx-translate/core';
import type { MicroDollars, PricePerMillion } from '@tally/api-contract';
import { LanguageService } from '../core/i18n/language.service';

/** Money in US dollars, written for the chosen language (Intl). */

const formats = new Map<string, Intl.NumberFormat>();

function usd(
  lang: string,
  minDigits: number,
  maxDigits: number,
): Intl.NumberFormat {
  const key = `${lang}|${minDigits}|${maxDigits}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(lang, {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: minDigits,
      maximumFractionDigits: maxDigits,
    });
    formats.set(key, format);
  }
  return format;
}

/**
 * Fraction digits a cost needs to say something: cents from a dollar up,
 * four places from a cent up, six (a whole micro-dollar) below.
 */
function costDigits(dollars: number): number {
  const size = Math.abs(dollars);
  if (size >= 1 || size === 0) {
    return 2;
  }
  return size >= 0.01 ? 4 : 6;
}

/**
 * A cost in micro-dollars as dollars: 12_340_000 → "$12.34",
 * 1234 → "$0.001234", 45_600 → "$0.0456" (en); "0,0456 $" (ru).
 */
export function formatCost(lang: string, micro: MicroDollars): string {
  const dollars = micro / 1_000_000;
  return usd(lang, 2, costDigits(dollars)).format(dollars);
}

/**
 * A budget or a spend in micro-dollars: whole dollars without cents ("$200"),
 * anything else as `formatCost` writes it ("$41.25", "$0.0456").
 */
export function formatBudget(lang: string, micro: MicroDollars): string {
  return micro % 1_000_000 === 0
    ? usd(lang, 0, 0).format(micro / 1_000_000)
    : formatCost(lang, micro);
}

/** A price in dollars per million tokens, exact to its six decimals: "$0.15", "$2.50", "$0.000125". */
export function formatPrice(lang: string, price: PricePerMillion): string {
  return usd(lang, price === 0 ? 0 : 2, 6).format(price);
}

export interface Priced {
  input_price: PricePerMillion;
  output_price: PricePerMillion;
}

export function isFree(model: Priced): boolean {
  return model.input_price === 0 && model.output_price === 0;
}

/**
 * "$0.15 in · $0.60 out per 1M tokens", or "free" when both prices are 0,
 * through the translations `shared.price.*`.
 */
export function priceText(
  translate: TranslateService,
  lang: string,
  model: Priced,
): string {
  if (isFree(model)) {
    return translate.instant('shared.price.free') as string;
  }
  return translate.instant('shared.price.perMillion', {
    input: formatPrice(lang, model.input_price),
    output: formatPrice(lang, model.output_price),
  }) as string;
}

/** `{{ micro | cost }}`: micro-dollars as dollars, following the language signal. */
@Pipe({ name: 'cost', pure: false })
export class CostPipe implements PipeTransform {
  private readonly language = inject(LanguageService);

  transform(value: MicroDollars | null | undefined): string {
    return value === null || value === undefined
      ? ''
      : formatCost(this.language.lang(), value);
  }
}

/** `{{ model | price }}`: a model's input and output price per million tokens, or "free". */
@Pipe({ name: 'price', pure: false })
export class PricePipe implements PipeTransform {
  private readonly language = inject(LanguageService);
  private readonly translate = inject(TranslateService);

  transform(model: Priced | null | undefined): string {
    return model ? priceText(this.translate, this.language.lang(), model) : '';
  }
}
