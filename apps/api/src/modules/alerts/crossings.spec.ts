import type { QuotaLimit } from '@tally/api-contract';
import { retryDelayMs } from './alert-delivery.service';
import { crossedThresholds, type LimitUse, thresholdMark } from './crossings';

const use = (limit: number, before: number, after: number): LimitUse => ({
  limit: { limit, used: after } as QuotaLimit,
  before,
  after,
  periodStart: '2026-12-01',
  user: null,
});

describe('crossedThresholds', () => {
  const T = [50, 80, 100];

  it('finds the thresholds first reached: before < t% of the limit <= after', () => {
    expect(crossedThresholds(use(10, 4, 8), T)).toEqual([50, 80]);
    expect(crossedThresholds(use(10, 5, 8), T)).toEqual([80]); // 50% was reached before
    expect(crossedThresholds(use(10, 7, 8), T)).toEqual([80]); // exactly 80% reaches it
    expect(crossedThresholds(use(10, 8, 9), T)).toEqual([]);
    expect(crossedThresholds(use(10, 9, 25), T)).toEqual([100]); // past the limit
    expect(crossedThresholds(use(10, 10, 11), T)).toEqual([]);
    expect(crossedThresholds(use(3, 0, 3), T)).toEqual([50, 80, 100]);
  });

  it('rounds nothing: 80% of 7 is 5.6, reached at 6', () => {
    expect(crossedThresholds(use(7, 5, 6), [80])).toEqual([80]);
    expect(crossedThresholds(use(7, 4, 5), [80])).toEqual([]);
  });

  it('has nothing for a limit of 0 or a use that did not grow', () => {
    expect(crossedThresholds(use(0, 0, 5), T)).toEqual([]);
    expect(crossedThresholds(use(10, 6, 6), T)).toEqual([]);
    expect(crossedThresholds(use(10, 6, 5), T)).toEqual([]);
  });

  it('stays exact for cost limits beyond 2^53 / 100', () => {
    const big = 9_007_199_254_740_991; // the largest amount API.md allows
    const eighty = (BigInt(big) * BigInt(80)) / BigInt(100); // floor of 80%
    const below = Number(eighty) - 1_000;
    expect(crossedThresholds(use(big, below, big), [80, 100])).toEqual([
      80, 100,
    ]);
    expect(
      crossedThresholds(use(big, Number(eighty) + 1_000, big - 1_000), [80]),
    ).toEqual([]);
  });
});

describe('100 % at exhaustion', () => {
  const at = (exhaustsAt: number, before: number, after: number): LimitUse => ({
    ...use(5_000_000, before, after),
    exhaustsAt,
  });

  it('reaches 100 % where what is left pays for no more send, before the limit itself', () => {
    // $5 limit, one prompt and one output token cost 6 000 micro-dollars: exhausted from 4 994 001.
    expect(
      crossedThresholds(at(4_994_001, 3_999_999, 4_995_000), [80, 100]),
    ).toEqual([80, 100]);
    expect(
      crossedThresholds(at(4_994_001, 4_994_001, 4_995_000), [100]),
    ).toEqual([]);
    expect(
      crossedThresholds(at(4_994_001, 4_000_000, 4_994_000), [100]),
    ).toEqual([]);
  });

  it('moves the 100 % mark of the one-statement settle only, never past the limit', () => {
    expect(thresholdMark(100, 5_000_000, 4_994_001)).toBe('4994001');
    expect(thresholdMark(80, 5_000_000, 4_994_001)).toBe('4000000');
    expect(thresholdMark(100, 5_000_000, 5_000_001)).toBe('5000000');
    expect(thresholdMark(100, 5_000_000)).toBe('5000000');
  });
});

describe('retryDelayMs', () => {
  it('waits the first delay, then twice the one before, never more than the most', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 200].map((n) =>
      retryDelayMs(n, 5000, 600_000),
    );
    expect(waits).toEqual([
      5000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000,
      600_000, 600_000,
    ]);
  });
});
