import { ApiInt } from '../../../common/api-docs';
import type { Settings } from '@tally/api-contract';
import {
  IsBoolean,
  IsInt,
  IsString,
  Max,
  MaxLength,
  Min,
  Validate,
} from 'class-validator';
import { Transform } from 'class-transformer';
import {
  canonicalTimeZone,
  IsOptionalNotNull,
  IsTimeZoneConstraint,
} from '../../../common/validation';

const INT_MAX = 2147483647;

/** `PATCH /api/admin/settings`: any subset of the settings. */
export class UpdateSettingsDto implements Partial<Settings> {
  /** Messages a user may send per day unless their own limit is set. */
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(INT_MAX)
  @ApiInt({ required: false, minimum: 0, maximum: INT_MAX })
  default_max_ai_messages_per_day?: number;

  /** Tokens a user may use per day unless their own limit is set. */
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(INT_MAX)
  @ApiInt({ required: false, minimum: 0, maximum: INT_MAX })
  default_max_ai_tokens_per_day?: number;

  /** IANA time zone whose calendar day the quotas follow, e.g. `Europe/Moscow`; stored in its canonical spelling (`utc` → `UTC`). */
  @IsOptionalNotNull()
  @Transform(({ value }) => canonicalTimeZone(value))
  @IsString()
  @MaxLength(64)
  @Validate(IsTimeZoneConstraint)
  quota_timezone?: string;

  /** Whether `POST /api/auth/register` is open. */
  @IsOptionalNotNull()
  @IsBoolean()
  allow_registration?: boolean;

  /** Answers one user may have in progress at once (1..100). */
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(100)
  @ApiInt({ required: false, minimum: 1, maximum: 100 })
  max_concurrent_streams_per_user?: number;

  /** The enabled model new chats use, and sends whose chat's model is gone (400 `UNKNOWN_MODEL` otherwise). */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(64)
  default_model?: string;
}

export class SettingsDto implements Settings {
  @ApiInt()
  default_max_ai_messages_per_day!: number;
  @ApiInt()
  default_max_ai_tokens_per_day!: number;
  quota_timezone!: string;
  allow_registration!: boolean;
  @ApiInt()
  max_concurrent_streams_per_user!: number;
  /** The id of an enabled model. */
  default_model!: string;
}
