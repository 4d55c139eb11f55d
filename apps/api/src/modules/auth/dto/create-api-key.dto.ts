import type { CreateApiKeyRequest } from '@tally/api-contract';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { trimmed } from '../../../common/validation';

export class CreateApiKeyDto implements CreateApiKeyRequest {
  /** What the key is for: 1 to 100 characters, trimmed. @example billing-service */
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;
}
