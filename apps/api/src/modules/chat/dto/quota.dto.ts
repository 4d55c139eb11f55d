import type { Quota, QuotaCounter } from '@tally/api-contract';

export class QuotaCounterDto implements QuotaCounter {
  /** Settled today. */
  used!: number;
  limit!: number;
  /** `limit - used - held`, never below 0. */
  remaining!: number;
}

/** The caller's daily quota. */
export class QuotaDto implements Quota {
  messages!: QuotaCounterDto;
  tokens!: QuotaCounterDto;
  /** Start of the next calendar day in `timezone`. @example 2026-11-29T00:00:00.000Z */
  resets_at!: string;
  /** The IANA zone whose calendar day the quota follows. @example UTC */
  timezone!: string;
}
