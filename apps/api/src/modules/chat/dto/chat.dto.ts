import { ApiTimestamp, ApiUuid } from '../../../common/api-docs';
import { ApiProperty } from '@nestjs/swagger';
import {
  type Chat,
  type ChatList,
  type ChatWithMessages,
  CUT_BY,
  type CutBy,
  type Message,
  type MessageRole,
  type MessageStatus,
} from '@tally/api-contract';

export class ChatDto implements Chat {
  @ApiUuid()
  id!: string;
  /** Empty until the chat is named, by the user or from its first message. */
  title!: string;
  /** The model the chat sends to: an enabled model's id (a disabled or deleted one sends to `default_model`). */
  model!: string;
  @ApiTimestamp()
  created_at!: string;
  /** The last activity: creation, then each message. */
  @ApiTimestamp()
  updated_at!: string;
}

export class ChatListDto implements ChatList {
  /** A page of the caller's chats, most recently active first (50 unless `?limit=` says otherwise). */
  items!: ChatDto[];
  /** Pass as `?before=` for the next page; null on the last page. */
  @ApiProperty({ type: 'string', nullable: true })
  next_cursor!: string | null;
}

export class MessageDto implements Message {
  @ApiUuid()
  id!: string;
  @ApiUuid()
  chat_id!: string;
  @ApiProperty({ enum: ['user', 'assistant'] })
  role!: MessageRole;
  content!: string;
  /** How the answer ended; user messages are always `complete`. */
  @ApiProperty({ enum: ['complete', 'error', 'cancelled'] })
  status!: MessageStatus;
  /** Prompt tokens charged for this answer; null for user messages and answers not charged. */
  @ApiProperty({ type: 'integer', nullable: true })
  prompt_tokens!: number | null;
  /** Completion tokens charged for this answer; null for user messages and answers not charged. */
  @ApiProperty({ type: 'integer', nullable: true })
  completion_tokens!: number | null;
  /** The model that answered; null for user messages and answers from before models. */
  @ApiProperty({ type: 'string', nullable: true })
  model!: string | null;
  /** What the answer cost, in micro-dollars; null for user messages. */
  @ApiProperty({ type: 'integer', nullable: true })
  cost!: number | null;
  /**
   * Why a complete answer ended at its output cap: `max_output` (the
   * model's or the instance's cap, or on `/v1` the request's `max_tokens`)
   * or `limit` (a limit left less than that); null when it was not cut,
   * for user messages, and for answers that failed or were cancelled.
   */
  @ApiProperty({ enum: CUT_BY, nullable: true })
  cut_by!: CutBy | null;
  @ApiTimestamp()
  created_at!: string;
}

export class ChatWithMessagesDto extends ChatDto implements ChatWithMessages {
  /** Oldest first. */
  messages!: MessageDto[];
}
