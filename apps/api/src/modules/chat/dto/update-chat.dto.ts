import type { UpdateChatRequest } from '@tally/api-contract';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IsOptionalNotNull, trimmed } from '../../../common/validation';

/** `PATCH /api/chats/:id`: a new title, a new model, or both (at least one). */
export class UpdateChatDto implements UpdateChatRequest {
  /** 1 to 200 characters, trimmed. Required when `model` is not given. @example Trip to Lisbon */
  @ValidateIf(
    (o: UpdateChatDto, v: unknown) => v !== undefined || o.model === undefined,
  )
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title?: string;

  /** An enabled model's id (400 `UNKNOWN_MODEL` otherwise): the chat's next sends go to it. @example local */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(64)
  model?: string;
}
