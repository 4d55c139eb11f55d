import type { UpdateChatRequest } from '@tally/api-contract';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { trimmed } from '../../../common/validation';

/** `PATCH /api/chats/:id`. */
export class UpdateChatDto implements UpdateChatRequest {
  /** 1 to 200 characters, trimmed. @example Trip to Lisbon */
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title!: string;
}
