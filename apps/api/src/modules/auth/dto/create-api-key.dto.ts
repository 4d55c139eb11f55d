import type { CreateApiKeyRequest } from '@tally/api-contract';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class CreateApiKeyDto implements CreateApiKeyRequest {
  /** What the key is for. @example billing-service */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;
}
