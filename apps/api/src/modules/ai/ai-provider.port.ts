/**
 * The AI provider port. Code outside `modules/ai` depends on this file only
 * (through `AI_PROVIDER`); which adapter runs is decided in `AiModule`.
 */

import type { AnswerLanguage } from './answer-language';

export interface AiChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface AiStreamRequest {
  /** System prompt (if any), history and the new user message, oldest first. */
  messages: AiChatMessage[];
  /** Upper bound of the answer's length in tokens (sent upstream as `max_tokens`). */
  maxOutputTokens: number;
  /**
   * The prompt estimate the request was admitted and held on
   * (prompt-estimate.ts): what is charged as its prompt when the provider
   * reports no usage, and the most that is charged when it reports more.
   */
  promptTokens: number;
  /** Aborting it stops the answer at once and aborts the upstream request. */
  signal: AbortSignal;
  /** The user's language (from `Accept-Language`), for a model that answers in set words. */
  language?: AnswerLanguage;
  /**
   * A request in OpenAI's own terms (the OpenAI-compatible endpoint): sent as
   * it is, and answered with `tool_calls` events too. Without it, only
   * `delta`, `finish` and `usage` events come.
   */
  passthrough?: AiPassthrough;
}

/** What an OpenAI-shaped request carries beyond plain text messages. */
export interface AiPassthrough {
  /** The messages as the client sent them (tool roles, `tool_calls`, content parts), sent instead of `messages`. */
  messages: unknown[];
  /**
   * Request fields the API does not own (`tools`, `temperature`, ...),
   * sent unchanged. The model, the messages, `stream`, `stream_options`
   * and the output cap are always the API's own.
   */
  fields: Record<string, unknown>;
}

export interface AiUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** True when counted with the local tokenizer because the provider reported none. */
  estimated: boolean;
}

export type AiStreamEvent =
  | { type: 'delta'; content: string }
  | { type: 'usage'; usage: AiUsage }
  /** With `passthrough` only: pieces of `delta.tool_calls`, as the provider sent them. */
  | { type: 'tool_calls'; toolCalls: unknown[] }
  /**
   * Why the answer ended (`stop`, `length`: it reached its output cap,
   * `tool_calls`, ...), before `usage`, when the provider said so (or the
   * cap cut it). Callers that do not need it skip it.
   */
  | { type: 'finish'; reason: string }
  /**
   * Output in another field of the answer (`OTHER_OUTPUT`: reasoning, a
   * refusal, a legacy `function_call`): the provider bills it as output, so
   * it counts toward the cap and is charged like text (`text`, its words).
   * `delta` is the field's piece as the provider sent it, for an
   * OpenAI-shaped answer to pass on; callers that show only text skip it.
   */
  | { type: 'other'; field: OtherOutputField; delta: unknown; text: string };

/** Fields of an answer, besides its text and tool calls, that are output the provider bills. */
export const OTHER_OUTPUT = [
  'function_call',
  'refusal',
  'reasoning_content',
  'reasoning',
] as const;
export type OtherOutputField = (typeof OTHER_OUTPUT)[number];

export interface AiProvider {
  /** Short name for logs and metrics: `local` or `openai`. */
  readonly name: string;
  /** The model's name, as configured. */
  readonly model: string;
  /** Whether it can be given `tools` (through `passthrough`); the built-in model cannot. */
  readonly supportsTools: boolean;
  /**
   * Streams the answer: `delta` events with non-empty text, then exactly one
   * `usage` event, last, when the answer completes normally.
   *
   * Throws `AiProviderError` (502) or `AiTimeoutError` (504) when the provider
   * fails, and `AiAbortedError` when `signal` aborts. In every case the
   * upstream request is aborted before the error reaches the caller, as it is
   * when the caller stops iterating early. A cut answer has no usage event:
   * count what was received with `TokenCounter.usageOf()` (the prompt
   * estimate, and the text and tool calls received).
   */
  stream(req: AiStreamRequest): AsyncIterable<AiStreamEvent>;
}

export const AI_PROVIDER = Symbol('AI_PROVIDER');

export type AiTokenParameter = 'max_tokens' | 'max_completion_tokens';

/**
 * Where one model's answers go (a model of the catalog on its connection):
 * what `AiProviders.for()` needs to build the adapter.
 */
export interface AiTarget {
  /** Tally's model id: errors answered to clients name it. */
  modelId: string;
  kind: 'local' | 'openai';
  /** OpenAI-compatible base URL ending before `/chat/completions`; unused by `local`. */
  baseUrl: string;
  apiKey: string | null;
  /** The provider's name of the model. */
  upstreamModel: string;
  /** How the output cap is sent upstream. */
  tokenParameter: AiTokenParameter;
  timeoutMs: number;
}

export * from './ai.errors';
