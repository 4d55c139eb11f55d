import { ApiProperty } from '@nestjs/swagger';
import {
  type AdminLimit,
  type AdminLimitList,
  type AdminLimitQuery,
  type CreateLimitRequest,
  LIMIT_AMOUNT_MAX,
  LIMIT_METRICS,
  LIMIT_SET_BY,
  LIMIT_SUBJECTS,
  LIMIT_WINDOWS,
  type LimitMetric,
  type LimitSetBy,
  type LimitSubject,
  type LimitWindow,
  MODEL_ID_PATTERN,
  type UpdateLimitRequest,
} from '@tally/api-contract';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { ApiInt, ApiTimestamp, ApiUuid } from '../../../common/api-docs';
import { IsOptionalNotNull } from '../../../common/validation';

const AMOUNT_DOC =
  'A whole number 0..9007199254740991: messages, tokens, or micro-dollars (cost). 0 blocks.';

/** Absent or null are both "none"; anything else is validated. */
const IsNullable = () =>
  ValidateIf((_o: object, v: unknown) => v !== undefined && v !== null);

export class AdminLimitDto implements AdminLimit {
  @ApiUuid()
  id!: string;
  @ApiProperty({ enum: LIMIT_SUBJECTS })
  subject!: LimitSubject;
  /** The group, user or API key; null for everyone. */
  @ApiUuid({ nullable: true })
  subject_id!: string | null;
  /** The group's name, the user's name (else email), the key's name; null for everyone. */
  @ApiProperty({ type: 'string', nullable: true, example: 'Research' })
  subject_name!: string | null;
  @ApiProperty({ enum: LIMIT_METRICS })
  metric!: LimitMetric;
  /** A calendar day, ISO week or month in `quota_timezone`. */
  @ApiProperty({ enum: LIMIT_WINDOWS })
  window!: LimitWindow;
  /** The model it counts; null: every model. */
  @ApiProperty({ type: 'string', nullable: true, example: null })
  model!: string | null;
  /** true: one pool for the whole subject; false: each user's own use. */
  shared!: boolean;
  /**
   * API key limits only: who put it on the key. `owner`: set with the key,
   * replaced by the owner's `PATCH /api/auth/api-keys/:id {limits}`;
   * `admin`: set here, read-only to the owner.
   */
  @ApiProperty({ enum: LIMIT_SET_BY, required: false })
  set_by?: LimitSetBy;
  @ApiInt({ minimum: 0, maximum: LIMIT_AMOUNT_MAX, description: AMOUNT_DOC })
  amount!: number;
  @ApiTimestamp()
  created_at!: string;
  @ApiTimestamp()
  updated_at!: string;
  /** Shared limits only: settled use in the window now in force. */
  @ApiInt({ required: false })
  used?: number;
  /** Shared limits only: when the window now in force ends. */
  @ApiTimestamp({ required: false })
  resets_at?: string;
  /**
   * Shared limits only: since when `used` counts, the later of the window's
   * start and the limit's creation (a pool made mid-window starts at 0).
   */
  @ApiTimestamp({ required: false })
  counting_since?: string;
}

export class AdminLimitListDto implements AdminLimitList {
  items!: AdminLimitDto[];
}

/** `GET /api/admin/limits`. */
export class ListLimitsQueryDto implements AdminLimitQuery {
  @ApiProperty({ enum: LIMIT_SUBJECTS, required: false })
  @IsOptionalNotNull()
  @IsIn(LIMIT_SUBJECTS)
  subject?: LimitSubject;

  /** Only the limits of this group, user or API key. */
  @ApiProperty({ format: 'uuid', required: false })
  @IsOptionalNotNull()
  @IsUUID()
  subject_id?: string;
}

/** `POST /api/admin/limits`. */
export class CreateLimitDto implements CreateLimitRequest {
  @ApiProperty({ enum: LIMIT_SUBJECTS })
  @IsIn(LIMIT_SUBJECTS)
  subject!: LimitSubject;

  /** Required (and must exist, else 404) for group, user and api_key; null or absent for everyone. */
  @ApiProperty({ format: 'uuid', nullable: true, required: false })
  @IsNullable()
  @IsUUID()
  subject_id?: string | null;

  @ApiProperty({ enum: LIMIT_METRICS })
  @IsIn(LIMIT_METRICS)
  metric!: LimitMetric;

  @ApiProperty({ enum: LIMIT_WINDOWS })
  @IsIn(LIMIT_WINDOWS)
  window!: LimitWindow;

  /** A model's id (400 `UNKNOWN_MODEL` if there is none): the limit counts that model only. Null or absent: every model. */
  @ApiProperty({
    type: 'string',
    nullable: true,
    required: false,
    example: null,
  })
  @IsNullable()
  @IsString()
  @Matches(MODEL_ID_PATTERN, { message: 'model must be a model id' })
  model?: string | null;

  /** One pool for the whole subject (everyone and group only); default false. */
  @ApiProperty({ required: false, default: false })
  @IsOptionalNotNull()
  @IsBoolean()
  shared?: boolean;

  @ApiInt({ minimum: 0, maximum: LIMIT_AMOUNT_MAX, description: AMOUNT_DOC })
  @IsInt()
  @Min(0)
  @Max(LIMIT_AMOUNT_MAX)
  amount!: number;
}

/** `PATCH /api/admin/limits/:id`. */
export class UpdateLimitDto implements UpdateLimitRequest {
  @ApiInt({ minimum: 0, maximum: LIMIT_AMOUNT_MAX, description: AMOUNT_DOC })
  @IsInt()
  @Min(0)
  @Max(LIMIT_AMOUNT_MAX)
  amount!: number;
}
