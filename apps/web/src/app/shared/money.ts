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

/** Micro-dollars in a cent. */
const CENT = 10_000;

/**
 * A cost in micro-dollars as dollars, rounded DOWN to the cent, so that
 * what is shown as spent never reaches a limit that is not reached:
 * 12_349_999 → "$12.34", 4_995_000 → "$4.99", 45_600 → "$0.04" (en),
 * "0,04 $" (ru). Above 0 but under a cent: "< $0.01" ("< 0,01 $"). Sums
 * are added in micro-dollars first and rounded once.
 */
export function formatCost(lang: string, micro: MicroDollars): string {
  const cents = usd(lang, 2, 2);
  if (micro > 0 && micro < CENT) {
    return `<\u00a0${cents.format(CENT / 1_000_000)}`;
  }
  return cents.format(Math.floor(micro / CENT) / 100);
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
