import { HttpStatus } from '@nestjs/common';
import type { ApiKeyLimit } from '@tally/api-contract';
import { ApiError } from '../../common/api-error';

/** What a key's owner sends, checked past the DTOs: the rules that need more than one field or the clock. */

/**
 * `expires_at` as stored: a Date in the future (400 otherwise), null as
 * given, undefined when absent. The validation pipe has already checked it
 * is an ISO time.
 */
export function checkedExpiry(
  expiresAt: string | null | undefined,
): Date | null | undefined {
  if (expiresAt === undefined) return undefined;
  if (expiresAt === null) return null;
  const at = new Date(expiresAt);
  if (!(at.getTime() > Date.now()))
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'VALIDATION_FAILED',
      'expires_at must be in the future',
    );
  return at;
}

/** At most one limit per metric and window (400 otherwise); undefined as given. */
export function checkedLimits(
  limits: readonly ApiKeyLimit[] | undefined,
): ApiKeyLimit[] | undefined {
  if (limits === undefined) return undefined;
  const seen = new Set<string>();
  for (const l of limits) {
    const kind = `${l.metric}/${l.window}`;
    if (seen.has(kind))
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_FAILED',
        `limits has two ${l.metric} limits per ${l.window}; give one`,
      );
    seen.add(kind);
  }
  return limits.map(({ metric, window, amount }) => ({
    metric,
    window,
    amount,
  }));
}
