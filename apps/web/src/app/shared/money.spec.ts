import { formatBudget, formatCost, formatPrice, isFree } from './money';

describe('formatCost', () => {
  it('writes micro-dollars as dollars with the places the size needs', () => {
    expect(formatCost('en', 12_340_000)).toBe('$12.34');
    expect(formatCost('en', 1_000_000)).toBe('$1.00');
    expect(formatCost('en', 45_600)).toBe('$0.0456');
    expect(formatCost('en', 10_000)).toBe('$0.01');
    expect(formatCost('en', 1_234)).toBe('$0.001234');
    expect(formatCost('en', 1)).toBe('$0.000001');
    expect(formatCost('en', 0)).toBe('$0.00');
    expect(formatCost('en', 1_234_567_890)).toBe('$1,234.57');
  });

  it('follows the language', () => {
    expect(formatCost('ru', 45_600)).toBe('0,0456\u00a0$');
    expect(formatCost('ru', 1_234_567_890)).toBe('1\u00a0234,57\u00a0$');
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
    expect(formatBudget('en', 0)).toBe('$0');
    expect(formatBudget('ru', 200_000_000)).toBe('200\u00a0$');
  });
});
