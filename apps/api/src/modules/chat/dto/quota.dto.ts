import { IsString, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '../../../common/validation';
import type { Quota, QuotaCounter } from '@tally/api-contract';
import { ApiInt, ApiTimestamp } from '../../../common/api-docs';

export class QuotaCounterDto implements QuotaCounter {
  /**
   * Used today. Messages: every accepted send, those still in progress
   * included. Tokens: settled tokens only; the tokens held by answers in
   * progress lower `remaining`, not `used`.
   */
  @ApiInt()
  used!: number;
  /** The daily limit that applies: the user's own, else the default setting. */
  @ApiInt()
  limit!: number;
  /** `limit - used` for messages; `limit - used - held` for tokens; never below 0. */
  @ApiInt()
  remaining!: number;
}

/** The caller's daily quota. */
export class QuotaDto implements Quota {
  /** Messages sent today; one in progress counts as used. */
  messages!: QuotaCounterDto;
  /** Tokens (prompt + completion) today; `used` counts settled answers only. */
  tokens!: QuotaCounterDto;
  /** Start of the next calendar day in `timezone`. */
  @ApiTimestamp({ example: '2026-11-29T00:00:00.000Z' })
  resets_at!: string;
  /** The IANA zone whose calendar day the quota follows. @example UTC */
  timezone!: string;
  /** The model this quota is for. @example local */
  model!: string;
}

/** `GET /api/chats/quota`. */
export class QuotaQueryDto {
  /** The model of the sends to check (an enabled model's id); default: the setting `default_model`. */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(64)
  model?: string;
}
