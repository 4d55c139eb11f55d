import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type {
  Chat,
  ChatList,
  ChatWithMessages,
  Message,
} from '@tally/api-contract';
import { Repository } from 'typeorm';
import { ApiError, notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { ModelsService } from '../models/models.service';
import { SettingsService } from '../settings/settings.service';
import {
  type ChatSortKey,
  decodeChatCursor,
  encodeChatCursor,
} from './chat-cursor';
import { ChatEntity } from './chat.entity';
import { MessageEntity } from './message.entity';

// Raw rows shaped like the entities, so one mapping serves the repository and SQL.
const CHAT_COLUMNS = `id, user_id AS "userId", title, model, created_at AS "createdAt", updated_at AS "updatedAt"`;
export const MESSAGE_COLUMNS = `id, seq, chat_id AS "chatId", role, content, status, model, cost, cut_by AS "cutBy",
  prompt_tokens AS "promptTokens", completion_tokens AS "completionTokens", created_at AS "createdAt"`;

/**
 * A page of a user's chats in the order of chats_user_activity_idx, whose
 * columns the keyset comparison follows, so a page is read from the index
 * however deep it is. The key's times come as whole microseconds (the
 * cursor's). $1 user, $2 limit + 1 (one more tells whether a next page
 * exists); after a cursor, $3..$5 its updated_at, created_at and id.
 */
const PAGE_SQL = (afterCursor: boolean) => `
  SELECT ${CHAT_COLUMNS},
    (extract(epoch FROM updated_at) * 1000000)::bigint::text AS "updatedUs",
    (extract(epoch FROM created_at) * 1000000)::bigint::text AS "createdUs"
  FROM chats
  WHERE user_id = $1::uuid
    ${afterCursor ? 'AND (updated_at, created_at, id) < ($3::timestamptz, $4::timestamptz, $5::uuid)' : ''}
  ORDER BY updated_at DESC, created_at DESC, id DESC
  LIMIT $2`;
const PAGE_FIRST_SQL = PAGE_SQL(false);
const PAGE_AFTER_SQL = PAGE_SQL(true);

const badCursor = () =>
  new ApiError(
    400,
    'VALIDATION_FAILED',
    'before must be the next_cursor of a page of your chats',
  );

/** A chat on the wire; `defaultModel` stands for a chat without a model of its own (from before models). */
export const toChat = (c: ChatEntity, defaultModel: string): Chat => ({
  id: c.id,
  title: c.title,
  model: c.model ?? defaultModel,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});

export const toMessage = (m: MessageEntity): Message => ({
  id: m.id,
  chat_id: m.chatId,
  role: m.role,
  content: m.content,
  status: m.status,
  model: m.model ?? null,
  prompt_tokens: m.promptTokens,
  completion_tokens: m.completionTokens,
  cost: m.cost === null || m.cost === undefined ? null : Number(m.cost),
  cut_by: m.cutBy ?? null,
  created_at: m.createdAt.toISOString(),
});

/** Chats and their messages (a send's own reads and writes: ChatSendService). Every method takes the caller's id: another user's chat does not exist (404). */
@Injectable()
export class ChatService {
  constructor(
    @InjectRepository(ChatEntity)
    private readonly chats: Repository<ChatEntity>,
    @InjectRepository(MessageEntity)
    private readonly messages: Repository<MessageEntity>,
    private readonly db: DatabaseService,
    private readonly models: ModelsService,
    private readonly settings: SettingsService,
  ) {}

  private defaultModel(): Promise<string> {
    return this.settings.value('default_model');
  }

  /**
   * A page of the user's chats, most recently active first, after `before`
   * (a `next_cursor`; 400 unless one of this user's). Keyset paging on a key
   * that only grows: a chat untouched during the walk comes exactly once; a
   * chat active meanwhile moves above the cursor, to the first page.
   */
  async list(
    userId: string,
    limit: number,
    before?: string,
  ): Promise<ChatList> {
    const after =
      before === undefined ? null : decodeChatCursor(userId, before);
    if (before !== undefined && !after) throw badCursor();
    const [rows, def] = await Promise.all([
      after
        ? this.db.query<ChatEntity & ChatSortKey>(PAGE_AFTER_SQL, [
            userId,
            limit + 1,
            after.updatedAt,
            after.createdAt,
            after.chatId,
          ])
        : this.db.query<ChatEntity & ChatSortKey>(PAGE_FIRST_SQL, [
            userId,
            limit + 1,
          ]),
      this.defaultModel(),
    ]);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((c) => toChat(c, def)),
      next_cursor:
        rows.length > limit && last ? encodeChatCursor(userId, last) : null,
    };
  }

  /** A new chat on `model` (400 `UNKNOWN_MODEL` unless enabled), else on the setting `default_model`. */
  async create(userId: string, title?: string, model?: string): Promise<Chat> {
    if (model !== undefined) await this.models.requireEnabled(model);
    const chosen = model ?? (await this.defaultModel());
    const [row] = await this.db.query<ChatEntity>(
      `INSERT INTO chats (user_id, title, model) VALUES ($1, $2, $3) RETURNING ${CHAT_COLUMNS}`,
      [userId, title?.trim() ?? '', chosen],
    );
    return toChat(row, chosen);
  }

  async get(userId: string, chatId: string): Promise<ChatWithMessages> {
    const chat = await this.owned(userId, chatId);
    const [messages, def] = await Promise.all([
      this.messages.find({ where: { chatId }, order: { seq: 'ASC' } }),
      this.defaultModel(),
    ]);
    return { ...toChat(chat, def), messages: messages.map(toMessage) };
  }

  /** A new title and/or model (400 `UNKNOWN_MODEL` unless enabled); 404 unless the caller's. */
  async update(
    userId: string,
    chatId: string,
    changes: { title?: string; model?: string },
  ): Promise<Chat> {
    if (changes.model !== undefined)
      await this.models.requireEnabled(changes.model);
    const [row] = await this.db.query<ChatEntity>(
      `UPDATE chats SET title = coalesce($3, title), model = coalesce($4, model)
       WHERE id = $1 AND user_id = $2 RETURNING ${CHAT_COLUMNS}`,
      [chatId, userId, changes.title?.trim() ?? null, changes.model ?? null],
    );
    if (!row) throw notFound('Chat');
    return toChat(row, await this.defaultModel());
  }

  /** Deletes the chat and its messages (usage already counted stays). */
  async remove(userId: string, chatId: string): Promise<void> {
    const rows = await this.db.query(
      `DELETE FROM chats WHERE id = $1 AND user_id = $2 RETURNING id`,
      [chatId, userId],
    );
    if (rows.length === 0) throw notFound('Chat');
  }

  private async owned(userId: string, chatId: string): Promise<ChatEntity> {
    const chat = await this.chats.findOne({ where: { id: chatId, userId } });
    if (!chat) throw notFound('Chat');
    return chat;
  }
}
