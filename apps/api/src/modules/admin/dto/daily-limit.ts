import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { LIMITS } from '@tally/api-contract';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';

/**
 * A user's own daily limit in a request body: a whole number
 * 0..2147483647, or null for the default; absent leaves it as it is.
 * Anything else (negative, fractional, a string, larger) is 400.
 */
export const DailyLimit = (what: 'messages' | 'tokens') =>
  applyDecorators(
    ApiProperty({
      type: 'integer',
      nullable: true,
      required: false,
      minimum: 0,
      maximum: LIMITS.limitValueMax,
      description: `The user's own daily ${what} limit (0 blocks); null: the default setting.`,
    }),
    ValidateIf(
      (_obj: object, value: unknown) => value !== undefined && value !== null,
    ),
    IsInt(),
    Min(0),
    Max(LIMITS.limitValueMax),
  );
