import type { SendMessageRequest } from '@tally/api-contract';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../../../common/validation';

export const MAX_MESSAGE_CHARS = 32000;

/** `POST /api/chats/:id/messages`. */
export class SendMessageDto implements SendMessageRequest {
  /** 1 to 32000 characters, not only whitespace. Sent as written. @example What is a token? */
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_MESSAGE_CHARS)
  @Matches(/\S/, { message: 'content must not be only whitespace' })
  content!: string;

  /** Sends this message to another enabled model than the chat's, this once (400 `UNKNOWN_MODEL` otherwise). */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(64)
  model?: string;
}

/** The query of `POST /api/chats/:id/messages`. */
export class SendMessageQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'true',
    description:
      '`true` (default): server-sent events; `false`: one JSON answer once complete',
  })
  @IsOptionalNotNull()
  @IsIn(['true', 'false'])
  stream?: 'true' | 'false';
}
