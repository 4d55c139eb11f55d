import { ApiInt } from '../../../common/api-docs';
import { ApiProperty } from '@nestjs/swagger';
import type { Settings, UpdateSettingsRequest } from '@tally/api-contract';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
} from 'class-validator';
import { Transform } from 'class-transformer';
import {
  canonicalTimeZone,
  IsHttpUrlConstraint,
  IsOptionalNotNull,
  IsTimeZoneConstraint,
  NoUserInfoConstraint,
} from '../../../common/validation';

/** A list of numbers, sorted and without repeats; anything else as it is, for the validators to refuse. */
const sortedUnique = ({ value }: { value: unknown }) =>
  Array.isArray(value) && value.every((n) => typeof n === 'number')
    ? [...new Set(value as number[])].sort((a, b) => a - b)
    : value;

const INT_MAX = 2147483647;

/** `PATCH /api/admin/settings`: any subset of the settings. */
export class UpdateSettingsDto implements UpdateSettingsRequest {
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

  /** Where alerts are POSTed: an `http` or `https` URL (at most 2000 characters) without user information (`user:pass@`), or null to send none. Redirects are not followed. */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Validate(IsHttpUrlConstraint)
  @Validate(NoUserInfoConstraint)
  @ApiProperty({
    required: false,
    nullable: true,
    type: 'string',
    format: 'uri',
  })
  alert_webhook_url?: string | null;

  /** Percentages of a limit whose first crossing sends an alert: 1 to 5 whole numbers from 1 to 100, stored sorted and de-duplicated (`[100, 80, 80]` → `[80, 100]`). */
  @IsOptionalNotNull()
  @Transform(sortedUnique)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(100, { each: true })
  @ApiProperty({
    required: false,
    type: 'array',
    items: { type: 'integer', minimum: 1, maximum: 100 },
    minItems: 1,
    maxItems: 5,
  })
  alert_thresholds?: number[];

  /** Write-only: the key (1..500 characters) of the alerts' `Tally-Signature` HMAC, stored encrypted and never answered; null removes it. 400 `SECRETS_KEY_REQUIRED` when the server has no SECRETS_KEY. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  @ApiProperty({
    required: false,
    nullable: true,
    type: 'string',
    writeOnly: true,
  })
  alert_webhook_secret?: string | null;
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
  /** Where alerts are POSTed; null: none are sent. */
  @ApiProperty({ nullable: true, type: 'string', format: 'uri' })
  alert_webhook_url!: string | null;
  /** Percentages of a limit whose first crossing sends an alert, sorted ascending, without repeats. */
  @ApiProperty({
    type: 'array',
    items: { type: 'integer', minimum: 1, maximum: 100 },
    example: [80, 100],
  })
  alert_thresholds!: number[];
  /** Whether a webhook secret is set (the secret itself is never answered). */
  has_alert_webhook_secret!: boolean;
}
