import { ApiProperty } from '@nestjs/swagger';
import {
  type CreateModelRequest,
  type Model,
  MODEL_ID_PATTERN,
  MODEL_LIMITS,
  type ModelInfo,
  type ModelInfoList,
  type ModelList,
  type UpdateModelRequest,
} from '@tally/api-contract';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ApiInt, ApiTimestamp, ApiUuid } from '../../../common/api-docs';
import { IsOptionalNotNull, trimmed } from '../../../common/validation';

const L = MODEL_LIMITS;
const PRICE = {
  maxDecimalPlaces: L.priceDecimals,
  allowNaN: false,
  allowInfinity: false,
};
const priceDoc = (required: boolean) =>
  ApiProperty({
    type: 'number',
    minimum: L.priceMin,
    maximum: L.priceMax,
    required,
    description:
      'US dollars per million tokens (= micro-dollars per token), at most 6 decimals',
  });

/** `PATCH /api/admin/models/:id`: any of the fields but `id`. */
export class UpdateModelDto implements UpdateModelRequest {
  /** 1 to 100 characters, shown to users. @example GPT-4o mini */
  @IsOptionalNotNull()
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @IsOptionalNotNull()
  @IsUUID()
  @ApiUuid({ required: false })
  connection_id?: string;

  /** The provider's name of the model. @example gpt-4o-mini */
  @IsOptionalNotNull()
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  upstream_model?: string;

  /** Disabled models are not offered and cannot be sent to. */
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @IsOptionalNotNull()
  @IsNumber(PRICE)
  @Min(L.priceMin)
  @Max(L.priceMax)
  @priceDoc(false)
  input_price?: number;

  @IsOptionalNotNull()
  @IsNumber(PRICE)
  @Min(L.priceMin)
  @Max(L.priceMax)
  @priceDoc(false)
  output_price?: number;

  /** The largest answer, in tokens (default 1024). */
  @IsOptionalNotNull()
  @IsInt()
  @Min(L.maxOutputTokensMin)
  @Max(L.maxOutputTokensMax)
  @ApiInt({
    required: false,
    minimum: L.maxOutputTokensMin,
    maximum: L.maxOutputTokensMax,
  })
  max_output_tokens?: number;

  /** Tokens of history (and the new message) sent at most (default 8192). */
  @IsOptionalNotNull()
  @IsInt()
  @Min(L.contextTokensMin)
  @Max(L.contextTokensMax)
  @ApiInt({
    required: false,
    minimum: L.contextTokensMin,
    maximum: L.contextTokensMax,
  })
  context_tokens?: number;
}

/** `POST /api/admin/models`. */
export class CreateModelDto
  extends UpdateModelDto
  implements CreateModelRequest
{
  /** 1 to 64 of `a-z 0-9 . _ : -`, starting with a letter or a digit; never changes. @example gpt-4o-mini */
  @IsString()
  @Matches(MODEL_ID_PATTERN, {
    message: 'id must match ^[a-z0-9][a-z0-9._:-]{0,63}$',
  })
  id!: string;

  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  override name!: string;

  @IsUUID()
  @ApiUuid()
  override connection_id!: string;

  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  override upstream_model!: string;

  @IsNumber(PRICE)
  @Min(L.priceMin)
  @Max(L.priceMax)
  @priceDoc(true)
  override input_price!: number;

  @IsNumber(PRICE)
  @Min(L.priceMin)
  @Max(L.priceMax)
  @priceDoc(true)
  override output_price!: number;
}

export class ModelInfoDto implements ModelInfo {
  id!: string;
  name!: string;
  enabled!: boolean;
  /** US dollars per million tokens. */
  input_price!: number;
  /** US dollars per million tokens. */
  output_price!: number;
  @ApiInt()
  max_output_tokens!: number;
  @ApiInt()
  context_tokens!: number;
  @ApiTimestamp()
  created_at!: string;
  @ApiTimestamp()
  updated_at!: string;
}

export class ModelDto extends ModelInfoDto implements Model {
  @ApiUuid()
  connection_id!: string;
  upstream_model!: string;
}

export class ModelListDto implements ModelList {
  items!: ModelDto[];
}

export class ModelInfoListDto implements ModelInfoList {
  /** The enabled models. */
  items!: ModelInfoDto[];
  /** The id of the model new chats use. */
  default_model!: string;
}
