import { ApiProperty } from '@nestjs/swagger';
import {
  type Connection,
  type ConnectionList,
  type CreateConnectionRequest,
  MODEL_LIMITS,
  TOKEN_PARAMETERS,
  type TokenParameter,
  type UpdateConnectionRequest,
} from '@tally/api-contract';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidateIf,
} from 'class-validator';
import { ApiInt, ApiTimestamp, ApiUuid } from '../../../common/api-docs';
import {
  IsOptionalNotNull,
  NoUserInfoConstraint,
  trimmed,
} from '../../../common/validation';

const URL_RULES = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
  require_host: true,
};
const URL_MESSAGE = 'base_url must be an http(s) URL';
const { timeoutMsMin, timeoutMsMax } = MODEL_LIMITS;

/** `POST /api/admin/connections`: an OpenAI-compatible provider. */
export class CreateConnectionDto implements CreateConnectionRequest {
  /** 1 to 100 characters. @example OpenAI */
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  /** The provider's OpenAI-compatible base URL, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`; without user information (`user:pass@`: give the key as `api_key`). */
  @Transform(trimmed)
  @IsString()
  @MaxLength(2000)
  @IsUrl(URL_RULES, { message: URL_MESSAGE })
  @Validate(NoUserInfoConstraint)
  base_url!: string;

  /** Sent as `Authorization: Bearer …`; stored encrypted, never answered. */
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  @Matches(/^\S+$/, { message: 'api_key must not contain whitespace' })
  api_key?: string;

  /** How the output cap is sent upstream (default `max_tokens`; newer OpenAI models need `max_completion_tokens`). */
  @IsOptionalNotNull()
  @IsIn(TOKEN_PARAMETERS)
  @ApiProperty({ enum: TOKEN_PARAMETERS, required: false })
  token_parameter?: TokenParameter;

  /** Milliseconds to wait for the provider's answer and for each next piece of it (default 60000). */
  @IsOptionalNotNull()
  @IsInt()
  @Min(timeoutMsMin)
  @Max(timeoutMsMax)
  @ApiInt({ required: false, minimum: timeoutMsMin, maximum: timeoutMsMax })
  timeout_ms?: number;
}

/** `PATCH /api/admin/connections/:id`: `api_key: null` removes the key; leaving it out keeps it. */
export class UpdateConnectionDto implements UpdateConnectionRequest {
  @IsOptionalNotNull()
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  /** As on creation: an http(s) URL without user information. */
  @IsOptionalNotNull()
  @Transform(trimmed)
  @IsString()
  @MaxLength(2000)
  @IsUrl(URL_RULES, { message: URL_MESSAGE })
  @Validate(NoUserInfoConstraint)
  base_url?: string;

  /** A new key, or null to remove it. */
  @ValidateIf((_o: object, v: unknown) => v !== undefined && v !== null)
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  @Matches(/^\S+$/, { message: 'api_key must not contain whitespace' })
  @ApiProperty({ type: 'string', nullable: true, required: false })
  api_key?: string | null;

  @IsOptionalNotNull()
  @IsIn(TOKEN_PARAMETERS)
  @ApiProperty({ enum: TOKEN_PARAMETERS, required: false })
  token_parameter?: TokenParameter;

  @IsOptionalNotNull()
  @IsInt()
  @Min(timeoutMsMin)
  @Max(timeoutMsMax)
  @ApiInt({ required: false, minimum: timeoutMsMin, maximum: timeoutMsMax })
  timeout_ms?: number;
}

export class ConnectionDto implements Connection {
  @ApiUuid()
  id!: string;
  name!: string;
  @ApiProperty({ enum: ['local', 'openai'] })
  kind!: 'local' | 'openai';
  /** Empty for the built-in local model. */
  base_url!: string;
  has_api_key!: boolean;
  /** The key's last 4 characters, or null. */
  @ApiProperty({ type: 'string', nullable: true })
  api_key_hint!: string | null;
  @ApiProperty({ enum: TOKEN_PARAMETERS })
  token_parameter!: TokenParameter;
  @ApiInt()
  timeout_ms!: number;
  /** `built-in` and `environment` connections cannot be changed through the API. */
  @ApiProperty({ enum: ['admin', 'environment', 'built-in'] })
  source!: 'admin' | 'environment' | 'built-in';
  @ApiTimestamp()
  created_at!: string;
  @ApiTimestamp()
  updated_at!: string;
}

export class ConnectionListDto implements ConnectionList {
  items!: ConnectionDto[];
}

export class ConnectionTestResultDto {
  ok!: boolean;
  /** With `ok: true`: the ids the provider's `GET /models` lists. */
  @ApiProperty({ type: [String], required: false })
  models?: string[];
  /** With `ok: false`: what went wrong (never a quote of the provider's answer). */
  @ApiProperty({ required: false })
  error?: string;
}
