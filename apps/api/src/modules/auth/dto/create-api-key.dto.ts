import { ApiProperty } from '@nestjs/swagger';
import {
  type ApiKeyLimit,
  type CreateApiKeyRequest,
  LIMIT_METRICS,
  LIMIT_WINDOWS,
  type LimitMetric,
  type LimitWindow,
  type RotateApiKeyRequest,
  type UpdateApiKeyRequest,
} from '@tally/api-contract';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsOptionalNotNull, trimmed } from '../../../common/validation';

/** A model id, as the catalog spells them. */
const MODEL_ID = /^[a-z0-9][a-z0-9._:-]{0,63}$/;

export class ApiKeyLimitDto implements ApiKeyLimit {
  @ApiProperty({ enum: LIMIT_METRICS })
  @IsIn(LIMIT_METRICS)
  metric!: LimitMetric;
  @ApiProperty({ enum: LIMIT_WINDOWS })
  @IsIn(LIMIT_WINDOWS)
  window!: LimitWindow;
  /** A whole number 0..9007199254740991 (cost in micro-dollars). */
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;
}

/** `models`: a list of model ids, or null (absent from an update: unchanged). */
const ModelsField = () => (target: object, key: string) => {
  ApiProperty({
    type: [String],
    nullable: true,
    required: false,
    description:
      'The only models the key may use (ids of the catalog); null: every model',
  })(target, key);
  ValidateIf((_: object, v: unknown) => v !== undefined && v !== null)(
    target,
    key,
  );
  IsArray()(target, key);
  ArrayMaxSize(100)(target, key);
  IsString({ each: true })(target, key);
  Matches(MODEL_ID, { each: true, message: 'each model must be a model id' })(
    target,
    key,
  );
};

/** `limits`: at most one per metric and window. */
const LimitsField = () => (target: object, key: string) => {
  ApiProperty({
    type: [ApiKeyLimitDto],
    required: false,
    description:
      "The key's own limits, on top of its owner's; on an update they replace the limits the owner set as a whole (limits an admin put on the key stay)",
  })(target, key);
  IsOptionalNotNull()(target, key);
  IsArray()(target, key);
  ArrayMaxSize(9)(target, key);
  ValidateNested({ each: true })(target, key);
  Type(() => ApiKeyLimitDto)(target, key);
};

/** A date-time with its offset (`Z` or `±hh:mm`); the seconds and their fraction are optional. */
const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `expires_at`: an ISO time, or null (never); whether it is in the future is checked by the service. */
const ExpiresAtField =
  (description: string) => (target: object, key: string) => {
    ApiProperty({
      type: 'string',
      format: 'date-time',
      nullable: true,
      required: false,
      example: '2027-01-31T00:00:00Z',
      description,
    })(target, key);
    ValidateIf((_: object, v: unknown) => v !== undefined && v !== null)(
      target,
      key,
    );
    IsString()(target, key);
    Matches(ISO_TIME, {
      message:
        '$property must be a date-time with its offset, such as 2027-01-31T00:00:00Z',
    })(target, key);
    IsISO8601({ strict: true }, { message: '$property must be a real time' })(
      target,
      key,
    );
  };

export class CreateApiKeyDto implements CreateApiKeyRequest {
  /** What the key is for: 1 to 100 characters, trimmed. @example billing-service */
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;
  @ModelsField()
  models?: string[] | null;
  @LimitsField()
  limits?: ApiKeyLimitDto[];
  @ExpiresAtField(
    'When the key stops working (401 `invalid_api_key`, "API key expired"); a time in the future (400 otherwise); null or absent: never',
  )
  expires_at?: string | null;
}

export class UpdateApiKeyDto implements UpdateApiKeyRequest {
  /** 1 to 100 characters, trimmed. */
  @IsOptionalNotNull()
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;
  @ModelsField()
  models?: string[] | null;
  @LimitsField()
  limits?: ApiKeyLimitDto[];
  @ExpiresAtField(
    'When the key stops working; a time in the future (400 otherwise), or null: never; absent: unchanged',
  )
  expires_at?: string | null;
}

export class RotateApiKeyDto implements RotateApiKeyRequest {
  /**
   * How long the secret being replaced keeps working, in seconds: a whole
   * number 0..86400 (a day); 0, the default, stops it at once.
   */
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: 86400,
    default: 0,
    required: false,
  })
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(86400)
  grace_seconds?: number;
}
