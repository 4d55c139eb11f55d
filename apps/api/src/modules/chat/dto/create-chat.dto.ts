import type { CreateChatRequest } from '@tally/api-contract';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsOptionalNotNull, trimmed } from '../../../common/validation';

/** `POST /api/chats`. */
export class CreateChatDto implements CreateChatRequest {
  /** 1 to 200 characters, trimmed. Without it the chat is named after its first message. @example Trip to Lisbon */
  @IsOptionalNotNull()
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title?: string;

  /** An enabled model's id (400 `UNKNOWN_MODEL` otherwise); default: the setting `default_model`. @example local */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(64)
  model?: string;
}
