import { Inject, Injectable } from '@nestjs/common';
import type { CutBy, Message, MessageStatus } from '@tally/api-contract';
import { randomUUID } from 'node:crypto';
import { notFound } from '../../common/api-error';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DatabaseService, type Tx } from '../../database/database.service';
import { type AiChatMessage, TokenCounter } from '../ai';
import { CATALOG_VERSION_SQL } from '../models/model-catalog';
import { type ModelForSend, ModelsService } from '../models/models.service';
import type { Rider } from '../usage/rider';
import { MESSAGE_COLUMNS, toMessage } from './chat.service';
import { titleFromMessage } from './chat-title';
import type { MessageEntity } from './message.entity';

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
  /** Which output cap cut a complete answer short (null: none). */
  cutBy?: CutBy | null;
}

/** History is read newest first, this many rows at a time, until the budget is full. */
const HISTORY_PAGE = 50;

type HistoryRow = Pick<MessageEntity, 'seq' | 'role' | 'content'>;

/** The messages a prompt's history is made of: the user's, and answers with any text. */
const IN_HISTORY = `(role = 'user' OR content <> '')`;

/**
 * The chat (none unless the caller's), its newest history and the model
 * catalog's version (the models themselves come from memory while it
 * holds), in one statement: the send path is benchmarked. $1 chat, $2 user.
 */
const PROMPT_SQL = `
  SELECT c.model, (
    SELECT coalesce(json_agg(h ORDER BY h.seq DESC), '[]') FROM (
      SELECT seq, role, content FROM messages
      WHERE chat_id = c.id AND ${IN_HISTORY}
      ORDER BY seq DESC LIMIT ${HISTORY_PAGE}) h) AS page,
    ${CATALOG_VERSION_SQL} AS catalog_version
  FROM chats c WHERE c.id = $1::uuid AND c.user_id = $2::uuid`;

/** Stores an answer and marks its chat active; nothing when the chat was deleted. $1..$8 as answerParams. */
const ANSWER_CTES = (when: string) => `
  r_chat AS (
    UPDATE chats SET updated_at = now() WHERE id = $1 ${when} RETURNING id
  ),
  r_answer AS (
    INSERT INTO messages (chat_id, role, content, status, prompt_tokens, completion_tokens, model, cost, cut_by)
    SELECT r_chat.id, 'assistant', $2::text, $3::varchar, $4::int, $5::int, $6::varchar, $7::bigint, $8::varchar
    FROM r_chat
    RETURNING ${MESSAGE_COLUMNS}
  )`;

const STORE_ANSWER_SQL = `WITH ${ANSWER_CTES('')} SELECT * FROM r_answer`;

/** A message row read back as json: its timestamps are text. */
type MessageJson = Omit<MessageEntity, 'createdAt'> & { createdAt: string };

const fromJson = (row: MessageJson): Message =>
  toMessage({ ...row, createdAt: new Date(row.createdAt) });

/**
 * A send's reads and writes in its chat: the prompt (with the model that
 * answers), the user's message, and the answer, stored with the settle of
 * its lease. Every method takes the caller's id or a chat QuotaGuard
 * checked: another user's chat does not exist (404).
 */
@Injectable()
export class ChatSendService {
  constructor(
    private readonly db: DatabaseService,
    private readonly tokens: TokenCounter,
    private readonly models: ModelsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Builds the prompt of a send to a chat the caller owns (404 otherwise):
   * the system prompt, then as much of the history as fits the context
   * budget (`AI_CONTEXT_TOKENS`; the oldest messages are dropped first), then
   * the new message, which is always sent. History is the chat's user
   * messages and the answers with any text (complete, cut or cancelled).
   * The model: `requestedModel` (400 `UNKNOWN_MODEL` unless enabled), else
   * the chat's while it is enabled, else `default_model`.
   */
  async prepareSend(
    userId: string,
    chatId: string,
    content: string,
    requestedModel?: string,
  ): Promise<PreparedSend> {
    const [chat] = await this.db.prepared<{
      model: string | null;
      page: HistoryRow[];
      catalog_version: string | null;
    }>('tally_send_prompt_v1', PROMPT_SQL, [chatId, userId]);
    if (!chat) throw notFound('Chat');
    const model = await this.models.forSend(
      requestedModel,
      chat.model,
      chat.catalog_version,
    );
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
           WHERE chat_id = $1 AND ${IN_HISTORY}
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
   * The user's message of a send as a rider of its admission
   * (usage/rider.ts): stored, and the chat marked active (an untitled chat
   * takes its title from it), in the admission's own statement, only when
   * the send is admitted. Reads null when the chat was deleted meanwhile.
   */
  userMessageRider(prepared: PreparedSend): Rider<Message | null> {
    return {
      name: 'user_message_v2',
      ctes: `
        r_chat AS (
          UPDATE chats SET updated_at = now(), title = CASE WHEN title = '' THEN $3::varchar ELSE title END
          WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM admitted) RETURNING id
        ),
        r_message AS (
          INSERT INTO messages (chat_id, role, content, status)
          SELECT r_chat.id, 'user', $2::text, 'complete' FROM r_chat
          RETURNING ${MESSAGE_COLUMNS}
        )`,
      result: '(SELECT row_to_json(r_message) FROM r_message)',
      params: [prepared.chatId, prepared.content, prepared.title],
      read: (row) => (row ? fromJson(row as MessageJson) : null),
    };
  }

  /**
   * The answer as a rider of its lease's settle (usage/rider.ts): stored,
   * and the chat marked active, in the settle's own statement, only when
   * that settle counts. When the chat was deleted while the answer
   * streamed, nothing is stored and the answer is returned as it would
   * have been.
   */
  answerRider(chatId: string, answer: AnswerToStore): Rider<Message> {
    return {
      name: 'answer_v2',
      ctes: ANSWER_CTES('AND EXISTS (SELECT 1 FROM settled)'),
      result: '(SELECT row_to_json(r_answer) FROM r_answer)',
      params: answerParams(chatId, answer),
      read: (row) =>
        row ? fromJson(row as MessageJson) : unstored(chatId, answer),
    };
  }

  /**
   * Stores an answer and marks the chat active, in `tx` (a transaction
   * that settles its quota hold) when given; see `answerRider`.
   */
  async storeAnswer(
    chatId: string,
    answer: AnswerToStore,
    tx?: Tx,
  ): Promise<Message> {
    const [row] = await (tx ?? this.db).query<MessageEntity>(
      STORE_ANSWER_SQL,
      answerParams(chatId, answer),
    );
    return row ? toMessage(row) : unstored(chatId, answer);
  }
}

const answerParams = (chatId: string, answer: AnswerToStore) => [
  chatId,
  answer.content,
  answer.status,
  answer.promptTokens,
  answer.completionTokens,
  answer.model ?? null,
  answer.cost ?? null,
  answer.cutBy ?? null,
];

/** The answer of a chat deleted while it streamed, as it would have been stored. */
const unstored = (chatId: string, answer: AnswerToStore): Message => ({
  id: randomUUID(),
  chat_id: chatId,
  role: 'assistant',
  content: answer.content,
  status: answer.status,
  model: answer.model ?? null,
  prompt_tokens: answer.promptTokens,
  completion_tokens: answer.completionTokens,
  cost: answer.cost ?? null,
  cut_by: answer.cutBy ?? null,
  created_at: new Date().toISOString(),
});
