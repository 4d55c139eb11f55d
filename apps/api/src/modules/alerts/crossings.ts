import type { QuotaLimit, Uuid } from '@tally/api-contract';

/** Whose use an alert is about. */
export interface AlertUser {
  id: Uuid;
  email: string;
  name: string;
}

/**
 * One limit a settle touched, as the settle's transaction saw it:
 * `AlertsService.recordCrossings(tx, uses)`.
 */
export interface LimitUse {
  /** The limit right after the settle (its `used` includes this send). */
  limit: QuotaLimit;
  /** The limit's settled use in its window before this settle, and after it. */
  before: number;
  after: number;
  /** The first day of the limit's window now in force, `YYYY-MM-DD`. */
  periodStart: string;
  /** The user whose use it counts; null for a shared limit. */
  user: AlertUser | null;
  /**
   * The smallest settled use at which the limit is exhausted (what is left
   * pays for no more send): the 100 % threshold is reached there when that
   * comes before the limit itself (rounding). Absent: at the limit.
   */
  exhaustsAt?: number;
}

/** `value` is at least `percent`% of `amount` (whole numbers), in exact arithmetic. */
function reached(value: number, percent: number, amount: number): boolean {
  const lhs = value * 100;
  const rhs = percent * amount;
  if (Number.isSafeInteger(lhs) && Number.isSafeInteger(rhs)) return lhs >= rhs;
  return (
    BigInt(Math.trunc(value)) * BigInt(100) >= BigInt(percent) * BigInt(amount)
  );
}

/**
 * The thresholds (percentages) this use reached for the first time:
 * before < t% of the limit <= after, for a limit above 0.
 */
export function crossedThresholds(
  use: LimitUse,
  thresholds: readonly number[],
): number[] {
  const amount = use.limit.limit;
  if (!(amount > 0) || !(use.after > use.before)) return [];
  const at = (value: number, t: number) =>
    reached(value, t, amount) ||
    (t === 100 && use.exhaustsAt !== undefined && value >= use.exhaustsAt);
  return thresholds.filter((t) => !at(use.before, t) && at(use.after, t));
}

/**
 * The smallest whole use that reaches `percent`% of `amount` (above 0):
 * a use crosses that threshold when it goes from below it to at least it.
 * For 100 %, `exhaustsAt` (LimitUse) when it comes first. A string: it may
 * pass 2^53.
 */
export function thresholdMark(
  percent: number,
  amount: number,
  exhaustsAt?: number,
): string {
  const need = BigInt(percent) * BigInt(Math.trunc(amount));
  const mark = (need + BigInt(99)) / BigInt(100);
  if (percent !== 100 || exhaustsAt === undefined) return mark.toString();
  const early = BigInt(Math.trunc(exhaustsAt));
  return (early < mark ? early : mark).toString();
}
