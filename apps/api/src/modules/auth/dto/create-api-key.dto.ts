import { ApiProperty } from '@nestjs/swagger';
import {
  type ApiKeyLimit,
  type CreateApiKeyRequest,
  LIMIT_METRICS,
  LIMIT_WINDOWS,
  type LimitMetric,
  type LimitWindow,
  type UpdateApiKeyRequest,
} from '@tally/api-contract';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
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
}
