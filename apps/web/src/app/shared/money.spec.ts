import { formatBudget, formatCost, formatPrice, isFree } from './money';

describe('formatCost', () => {
  it('writes micro-dollars as dollars rounded down to the cent', () => {
    expect(formatCost('en', 12_340_000)).toBe('$12.34');
    expect(formatCost('en', 12_349_999)).toBe('$12.34');
    expect(formatCost('en', 1_000_000)).toBe('$1.00');
    expect(formatCost('en', 4_995_000)).toBe('$4.99');
    expect(formatCost('en', 4_999_999)).toBe('$4.99');
    expect(formatCost('en', 45_600)).toBe('$0.04');
    expect(formatCost('en', 10_000)).toBe('$0.01');
    expect(formatCost('en', 0)).toBe('$0.00');
    expect(formatCost('en', 1_234_567_890)).toBe('$1,234.56');
  });

  it('says "< $0.01" above 0 but under a cent', () => {
    expect(formatCost('en', 1)).toBe('<\u00a0$0.01');
    expect(formatCost('en', 9_999)).toBe('<\u00a0$0.01');
    expect(formatCost('ru', 1_234)).toBe('<\u00a00,01\u00a0$');
  });

  it('follows the language', () => {
    expect(formatCost('ru', 45_600)).toBe('0,04\u00a0$');
    expect(formatCost('ru', 1_234_567_890)).toBe('1\u00a0234,56\u00a0$');
  });
});

describe('formatPrice', () => {
  it('keeps every one of the six decimals a price may have', () => {
    expect(formatPrice('en', 0.15)).toBe('$0.15');
    expect(formatPrice('en', 2.5)).toBe('$2.50');
    expect(formatPrice('en', 0.000125)).toBe('$0.000125');
    expect(formatPrice('en', 0)).toBe('$0');
    expect(formatPrice('ru', 0.6)).toBe('0,60\u00a0$');
  });

  it('calls a model free only when both prices are 0', () => {
    expect(isFree({ input_price: 0, output_price: 0 })).toBe(true);
    expect(isFree({ input_price: 0, output_price: 0.6 })).toBe(false);
  });
});

describe('formatBudget', () => {
  it('drops the cents of whole dollars only', () => {
    expect(formatBudget('en', 200_000_000)).toBe('$200');
    expect(formatBudget('en', 5_000_000)).toBe('$5');
    expect(formatBudget('en', 41_250_000)).toBe('$41.25');
    expect(formatBudget('en', 4_100_000)).toBe('$4.10');
    // Never a limit shown as reached when it is not: $4.995 of $5.
    expect(formatBudget('en', 4_995_000)).toBe('$4.99');
    expect(formatBudget('ru', 4_995_000)).toBe('4,99\u00a0$');
    expect(formatBudget('en', 5_000)).toBe('<\u00a0$0.01');
    expect(formatBudget('en', 0)).toBe('$0');
    expect(formatBudget('ru', 200_000_000)).toBe('200\u00a0$');
  });
});
