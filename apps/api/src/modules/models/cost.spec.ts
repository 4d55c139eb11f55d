import { costOf } from './cost';

describe('costOf', () => {
  it('is prompt × input price + completion × output price micro-dollars, rounded up', () => {
    // $0.15 / $0.60 per million tokens: 0.15 and 0.6 micro-dollars per token.
    expect(costOf(1000, 500, { inputPrice: 0.15, outputPrice: 0.6 })).toBe(450);
    expect(costOf(1, 0, { inputPrice: 0.15, outputPrice: 0.6 })).toBe(1);
    expect(costOf(7, 3, { inputPrice: 0.000001, outputPrice: 0.000001 })).toBe(
      1,
    );
    expect(costOf(0, 0, { inputPrice: 5, outputPrice: 15 })).toBe(0);
    expect(costOf(10, 10, { inputPrice: 0, outputPrice: 0 })).toBe(0);
  });

  it('is exact for large counts and prices with 6 decimals', () => {
    expect(
      costOf(10000000, 1000000, {
        inputPrice: 1000000,
        outputPrice: 999999.999999,
      }),
    ).toBe(10000000 * 1000000 + 999999999999);
    expect(costOf(3, 0, { inputPrice: 0.333333, outputPrice: 0 })).toBe(1);
    expect(costOf(3, 0, { inputPrice: 0.333334, outputPrice: 0 })).toBe(2);
  });
});
