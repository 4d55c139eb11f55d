import { ApiPropertyOptional } from '@nestjs/swagger';
import { type ChatListQuery, LIMITS } from '@tally/api-contract';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsOptionalNotNull, wholeNumber } from '../../../common/validation';

/** `GET /api/chats?limit=&before=`: out of range is 400, never clamped. */
export class ListChatsQueryDto implements ChatListQuery {
  /** How many chats a page holds: 1 to 200. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: LIMITS.pageSizeMax,
    default: LIMITS.chatPageDefault,
  })
  @IsOptionalNotNull()
  @Transform(wholeNumber)
  @IsInt()
  @Min(1)
  @Max(LIMITS.pageSizeMax)
  limit?: number = LIMITS.chatPageDefault;

  /**
   * The `next_cursor` of the page before, as it came (opaque). The chats
   * after it in the order of the list; a chat active since moves to the
   * first page and is not repeated further down. A cursor that is not one
   * of the caller's is 400.
   */
  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(100)
  before?: string;
}
