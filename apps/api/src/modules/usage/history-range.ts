import { HttpStatus } from '@nestjs/common';
import { LIMITS } from '@tally/api-contract';
import { ApiError } from '../../common/api-error';
import { addDays, daysBetween } from './quota-day';

/** Days in the default history window. */
export const HISTORY_DEFAULT_DAYS = 30;

/**
 * The days of a usage history (API.md `GET /api/admin/usage/history`, also
 * `GET /api/usage`): `from` to `to`, both included; `to` defaults to
 * `today`, `from` to 29 days before `to`. 400 when `from` is after `to` or
 * the span is over LIMITS.historyDaysMax days.
 */
export function historyRange(
  from: string | undefined,
  to: string | undefined,
  today: string,
): { from: string; to: string } {
  const last = to ?? today;
  const first = from ?? addDays(last, 1 - HISTORY_DEFAULT_DAYS);
  checkSpan(first, last);
  return { from: first, to: last };
}

/** `from` to `to` spans 1 to LIMITS.historyDaysMax days, else 400. */
export function checkSpan(from: string, to: string): void {
  const days = daysBetween(from, to);
  if (days < 1) throw badInput('from must not be after to');
  if (days > LIMITS.historyDaysMax) {
    throw badInput(
      `from and to may span at most ${LIMITS.historyDaysMax} days, got ${days}`,
    );
  }
}

export const badInput = (message: string) =>
  new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message);
