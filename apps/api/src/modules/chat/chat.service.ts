import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type {
  Chat,
  ChatWithMessages,
  Message,
  MessageStatus,
} from '@tally/api-contract';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { notFound } from '../../common/api-error';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DatabaseService, type Tx } from '../../database/database.service';
import { type AiChatMessage, TokenCounter } from '../ai';
import { type ModelForSend, ModelsService } from '../models/models.service';
import { SettingsService } from '../settings/settings.service';
import { ChatEntity } from './chat.entity';
import { titleFromMessage } from './chat-title';
import { MessageEntity } from './message.entity';

/** Everything a send needs once admitted: the prompt and what to store. */
export interface PreparedSend {
  userId: string;
  chatId: string;
  /** The new message, as sent. */
  content: string;
  /** System prompt (if any), the history that fits the context budget, oldest first, and the new message. */
  messages: AiChatMessage[];
  /** Estimated prompt tokens of `messages`. */
  promptTokens: number;
  /** Messages of history included. */
  historyMessages: number;
  /** The title an untitled chat takes from this message. */
  title: string;
  /** The model that answers: the send's override, else the chat's while enabled, else `default_model`. */
  model: ModelForSend;
}

/** An answer to store, with the tokens charged for it (null: not charged). */
export interface AnswerToStore {
  content: string;
  status: MessageStatus;
  /** The model that answered. */
  model?: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  /** Micro-dollars; null: not charged. */
  cost?: number | null;
}

/** History is read newest first, this many rows at a time, until the budget is full. */
const HISTORY_PAGE = 50;

type HistoryRow = Pick<MessageEntity, 'seq' | 'role' | 'content'>;

// Raw rows shaped like the entities, so one mapping serves the repository and SQL.
const CHAT_COLUMNS = `id, user_id AS "userId", title, model, created_at AS "createdAt", updated_at AS "updatedAt"`;
const MESSAGE_COLUMNS = `id, seq, chat_id AS "chatId", role, content, status, model, cost,
  prompt_tokens AS "promptTokens", completion_tokens AS "completionTokens", created_at AS "createdAt"`;

/** Stores an answer and marks its chat active; no row when the chat was deleted. */
const STORE_ANSWER_SQL = `
  WITH c AS (
    UPDATE chats SET updated_at = now() WHERE id = $1 RETURNING id
  ), m AS (
    INSERT INTO messages (chat_id, role, content, status, prompt_tokens, completion_tokens, model, cost)
    SELECT c.id, 'assistant', $2::text, $3::varchar, $4::int, $5::int, $6::varchar, $7::bigint FROM c
    RETURNING ${MESSAGE_COLUMNS}
  )
  SELECT * FROM m`;

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
  created_at: m.createdAt.toISOString(),
});

/** Chats and their messages. Every method takes the caller's id: another user's chat does not exist (404). */
@Injectable()
export class ChatService {
  constructor(
    @InjectRepository(ChatEntity)
    private readonly chats: Repository<ChatEntity>,
    @InjectRepository(MessageEntity)
    private readonly messages: Repository<MessageEntity>,
    private readonly db: DatabaseService,
    private readonly tokens: TokenCounter,
    private readonly models: ModelsService,
    private readonly settings: SettingsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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

  /**
   * Builds the prompt of a send to a chat the caller owns (404 otherwise):
   * the system prompt, then as much of the history as fits the context
   * budget (`AI_CONTEXT_TOKENS`; the oldest messages are dropped first), then
   * the new message, which is always sent. History is the chat's user
   * messages and the answers with any text (complete, cut or cancelled).
   */
  async prepareSend(
    userId: string,
    chatId: string,
    content: string,
    requestedModel?: string,
  ): Promise<PreparedSend> {
    // The chat (404 unless the caller's) and its newest history in one statement: the send path is benchmarked.
    const [chat] = await this.db.query<{
      model: string | null;
      page: HistoryRow[];
    }>(
      `SELECT c.model, (
         SELECT coalesce(json_agg(h ORDER BY h.seq DESC), '[]') FROM (
           SELECT seq, role, content FROM messages
           WHERE chat_id = c.id AND (role = 'user' OR content <> '')
           ORDER BY seq DESC LIMIT ${HISTORY_PAGE}) h) AS page
       FROM chats c WHERE c.id = $1 AND c.user_id = $2`,
      [chatId, userId],
    );
    if (!chat) throw notFound('Chat');
    const model = await this.models.forSend(requestedModel, chat.model);
    const { systemPrompt } = this.config.ai;
    const contextTokens = Math.min(
      this.config.ai.contextTokens,
      model.contextTokens,
    );
    const head: AiChatMessage[] = systemPrompt
      ? [{ role: 'system', content: systemPrompt }]
      : [];
    const next: AiChatMessage = { role: 'user', content };
    // countMessages is a fixed overhead plus a cost per message.
    const overhead = this.tokens.countMessages([]);
    const cost = (m: AiChatMessage) =>
      this.tokens.countMessages([m]) - overhead;
    let total = overhead + cost(next) + head.reduce((n, m) => n + cost(m), 0);

    const history: AiChatMessage[] = []; // newest first
    let before: number | null = null;
    let page: HistoryRow[] | null = chat.page;
    fill: for (;;) {
      const rows: HistoryRow[] =
        page ??
        (await this.db.query(
          `SELECT seq, role, content FROM messages
           WHERE chat_id = $1 AND (role = 'user' OR content <> '')
             AND ($2::bigint IS NULL OR seq < $2::bigint)
           ORDER BY seq DESC LIMIT ${HISTORY_PAGE}`,
          [chatId, before],
        ));
      page = null;
      for (const row of rows) {
        const m: AiChatMessage = { role: row.role, content: row.content };
        const c = cost(m);
        if (total + c > contextTokens) break fill;
        total += c;
        history.push(m);
      }
      if (rows.length < HISTORY_PAGE) break;
      before = Number(rows[rows.length - 1].seq);
    }
    history.reverse();
    return {
      userId,
      chatId,
      content,
      messages: [...head, ...history, next],
      promptTokens: total,
      historyMessages: history.length,
      title: titleFromMessage(content),
      model,
    };
  }

  /**
   * Stores the user's message of a send and marks the chat active; an
   * untitled chat takes its title from it. 404 when the chat was deleted
   * meanwhile.
   */
  async storeUserMessage(prepared: PreparedSend): Promise<Message> {
    const [row] = await this.db.query<MessageEntity>(
      `WITH c AS (
         UPDATE chats SET updated_at = now(), title = CASE WHEN title = '' THEN $3::varchar ELSE title END
         WHERE id = $1 RETURNING id
       ), m AS (
         INSERT INTO messages (chat_id, role, content, status)
         SELECT c.id, 'user', $2::text, 'complete' FROM c
         RETURNING ${MESSAGE_COLUMNS}
       )
       SELECT * FROM m`,
      [prepared.chatId, prepared.content, prepared.title],
    );
    if (!row) throw notFound('Chat');
    return toMessage(row);
  }

  /**
   * Stores an answer and marks the chat active (in `tx`, the transaction
   * that settles its quota hold, when given). When the chat was deleted
   * while the answer streamed, nothing is stored and the answer is returned
   * as it would have been.
   */
  async storeAnswer(
    chatId: string,
    answer: AnswerToStore,
    tx?: Tx,
  ): Promise<Message> {
    const params = [
      chatId,
      answer.content,
      answer.status,
      answer.promptTokens,
      answer.completionTokens,
      answer.model ?? null,
      answer.cost ?? null,
    ];
    const [row] = tx?.prepared
      ? await tx.prepared<MessageEntity>(
          'tally_store_answer_v1',
          STORE_ANSWER_SQL,
          params,
        )
      : await (tx ?? this.db).query<MessageEntity>(STORE_ANSWER_SQL, params);
    if (row) return toMessage(row);
    return {
      id: randomUUID(),
      chat_id: chatId,
      role: 'assistant',
      content: answer.content,
      status: answer.status,
      model: answer.model ?? null,
      prompt_tokens: answer.promptTokens,
      completion_tokens: answer.completionTokens,
      cost: answer.cost ?? null,
      created_at: new Date().toISOString(),
    };
  }

  private async owned(userId: string, chatId: string): Promise<ChatEntity> {
    const chat = await this.chats.findOne({ where: { id: chatId, userId } });
    if (!chat) throw notFound('Chat');
    return chat;
  }
}
