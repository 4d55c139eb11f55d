import { ValidatorFn } from '@angular/forms';
import { LIMIT_AMOUNT_MAX, type LimitMetric } from '@tally/api-contract';
import {
  decimalValidator,
  wholeNumberValidator,
} from '../../shared/forms/validators';

/** A cost limit is typed in dollars, with at most six places (a micro-dollar). */
const COST_DECIMALS = 6;
const MAX_DOLLARS = Math.floor(LIMIT_AMOUNT_MAX / 1_000_000);

/** Messages and tokens: a whole number; cost: dollars to the micro-dollar. */
export function amountValidator(metric: LimitMetric): ValidatorFn {
  return metric === 'cost'
    ? decimalValidator(0, MAX_DOLLARS, COST_DECIMALS)
    : wholeNumberValidator(0, LIMIT_AMOUNT_MAX);
}

/** The wire amount of what was typed (valid by `amountValidator`): micro-dollars for cost. */
export function toAmount(metric: LimitMetric, text: string): number {
  const clean = text.trim().replace(',', '.');
  if (metric !== 'cost') {
    return Number(clean);
  }
  // By digits, not by multiplying a float: "0.1" is exactly 100000.
  const [whole, fraction = ''] = clean.split('.');
  return (
    Number(whole || '0') * 1_000_000 +
    Number(fraction.padEnd(COST_DECIMALS, '0'))
  );
}

/** What the amount field shows for a wire amount: dollars for cost. */
export function fromAmount(metric: LimitMetric, amount: number): string {
  if (metric !== 'cost') {
    return String(amount);
  }
  const whole = Math.floor(amount / 1_000_000);
  const fraction = String(amount % 1_000_000)
    .padStart(COST_DECIMALS, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}
