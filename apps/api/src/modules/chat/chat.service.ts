import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Chat, ChatWithMessages, Message } from '@tally/api-contract';
import { Repository } from 'typeorm';
import { notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { ModelsService } from '../models/models.service';
import { SettingsService } from '../settings/settings.service';
import { ChatEntity } from './chat.entity';
import { MessageEntity } from './message.entity';

// Raw rows shaped like the entities, so one mapping serves the repository and SQL.
const CHAT_COLUMNS = `id, user_id AS "userId", title, model, created_at AS "createdAt", updated_at AS "updatedAt"`;
export const MESSAGE_COLUMNS = `id, seq, chat_id AS "chatId", role, content, status, model, cost, cut_by AS "cutBy",
  prompt_tokens AS "promptTokens", completion_tokens AS "completionTokens", created_at AS "createdAt"`;

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

  async list(userId: string): Promise<Chat[]> {
    const [rows, def] = await Promise.all([
      this.chats.find({
        where: { userId },
        order: { updatedAt: 'DESC', createdAt: 'DESC', id: 'DESC' },
      }),
      this.defaultModel(),
    ]);
    return rows.map((c) => toChat(c, def));
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
