import type { CreateChatRequest } from '@tally/api-contract';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

/** `POST /api/chats`. */
export class CreateChatDto implements CreateChatRequest {
  /** 1 to 200 characters, trimmed. Without it the chat is named after its first message. @example Trip to Lisbon */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title?: string;
}
