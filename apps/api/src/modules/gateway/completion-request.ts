import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../../common/api-error';
import { type AiChatMessage, estimatePrompt } from '../ai';

/** A `POST /v1/chat/completions` body, checked against OpenAI's schema and split into what the API owns and what it passes on. */
export interface CompletionRequest {
  model: string;
  /** The messages as sent, for the provider. */
  messages: unknown[];
  /** The same as plain text, for the built-in model. */
  textMessages: AiChatMessage[];
  /** The prompt estimate of everything sent upstream (prompt-estimate.ts). */
  promptTokens: number;
  stream: boolean;
  /** `stream_options.include_usage`: the client wants the usage chunk. */
  includeUsage: boolean;
  /** `max_completion_tokens` or `max_tokens`; null: none asked. */
  maxTokens: number | null;
  /** `tools` as sent, or null. */
  tools: unknown[] | null;
  /** Every other field, passed to the provider unchanged. */
  fields: Record<string, unknown>;
}

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];
/** Fields the API sets itself upstream. */
const OWN = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'n',
]);

/** 400 `invalid_request_error` naming the field, as OpenAI does. */
export const badRequest = (param: string | null, message: string) =>
  new ApiError(HttpStatus.BAD_REQUEST, 'invalid_request_error', message, {
    param,
  });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isWhole = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v);

/** A message's text: a string, or the text of an array of `{type: "text", text}` parts. */
function textOf(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content))
    throw badRequest(param, `${param} must be a string or an array of parts`);
  return content
    .map((part, i) => {
      if (
        !isObject(part) ||
        part.type !== 'text' ||
        typeof part.text !== 'string'
      )
        throw badRequest(
          `${param}[${i}]`,
          `${param}[${i}] must be a text part ({"type": "text", "text": "..."})`,
        );
      return part.text;
    })
    .join('\n');
}

function parseMessage(m: unknown, i: number): AiChatMessage {
  const at = `messages[${i}]`;
  if (!isObject(m)) throw badRequest(at, `${at} must be an object`);
  if (typeof m.role !== 'string' || !ROLES.includes(m.role))
    throw badRequest(
      `${at}.role`,
      `${at}.role must be one of ${ROLES.join(', ')}`,
    );
  const hasCalls = m.tool_calls !== undefined && m.tool_calls !== null;
  if (hasCalls && (m.role !== 'assistant' || !Array.isArray(m.tool_calls)))
    throw badRequest(
      `${at}.tool_calls`,
      `${at}.tool_calls must be an array, on an assistant message`,
    );
  if (m.role === 'tool' && typeof m.tool_call_id !== 'string')
    throw badRequest(
      `${at}.tool_call_id`,
      `${at}.tool_call_id is required on a tool message`,
    );
  if (
    (m.content === undefined || m.content === null) &&
    !(m.role === 'assistant' && hasCalls)
  )
    throw badRequest(`${at}.content`, `${at}.content is required`);
  let text = textOf(m.content, `${at}.content`);
  if (hasCalls) text += JSON.stringify(m.tool_calls);
  const role =
    m.role === 'system' || m.role === 'developer'
      ? 'system'
      : m.role === 'assistant'
        ? 'assistant'
        : 'user';
  return { role, content: text };
}

/** Optional fields of OpenAI's schema the API checks (and still passes on). */
function checkOptional(b: Record<string, unknown>): void {
  const number = (name: string, min: number, max: number) => {
    const v = b[name];
    if (v === undefined || v === null) return;
    if (typeof v !== 'number' || !(v >= min && v <= max))
      throw badRequest(name, `${name} must be a number from ${min} to ${max}`);
  };
  number('temperature', 0, 2);
  number('top_p', 0, 1);
  number('presence_penalty', -2, 2);
  number('frequency_penalty', -2, 2);
  if (b.n !== undefined && b.n !== null && b.n !== 1)
    throw badRequest('n', 'Only n = 1 is supported');
  if (b.seed !== undefined && b.seed !== null && !isWhole(b.seed))
    throw badRequest('seed', 'seed must be an integer');
  if (b.user !== undefined && typeof b.user !== 'string')
    throw badRequest('user', 'user must be a string');
  const stop = b.stop;
  if (
    stop !== undefined &&
    stop !== null &&
    typeof stop !== 'string' &&
    !(
      Array.isArray(stop) &&
      stop.length <= 4 &&
      stop.every((s) => typeof s === 'string')
    )
  )
    throw badRequest('stop', 'stop must be a string or up to 4 strings');
  if (b.tools !== undefined && b.tools !== null) {
    if (!Array.isArray(b.tools) || b.tools.length === 0)
      throw badRequest('tools', 'tools must be a non-empty array');
    b.tools.forEach((t, i) => {
      if (
        !isObject(t) ||
        t.type !== 'function' ||
        !isObject(t.function) ||
        typeof t.function.name !== 'string'
      )
        throw badRequest(
          `tools[${i}]`,
          `tools[${i}] must be {"type": "function", "function": {"name", ...}}`,
        );
    });
  }
  const choice = b.tool_choice;
  if (
    choice !== undefined &&
    choice !== null &&
    typeof choice !== 'string' &&
    !isObject(choice)
  )
    throw badRequest('tool_choice', 'tool_choice must be a string or object');
  if (
    b.response_format !== undefined &&
    b.response_format !== null &&
    !isObject(b.response_format)
  )
    throw badRequest('response_format', 'response_format must be an object');
}

/** 400 `invalid_request_error` with `code` `unsupported_parameter`, as OpenAI answers a field a model does not take. */
const unsupported = (param: string, message: string) =>
  new ApiError(HttpStatus.BAD_REQUEST, 'unsupported_parameter', message, {
    param,
  });

/**
 * Fields that change what the provider charges per token (a priority tier,
 * audio, web search): the prices of a model are per text token, so such a
 * request could cost more than it is charged. Refused, before admission.
 */
function refusePricedFields(b: Record<string, unknown>): void {
  const tier = b.service_tier;
  if (tier !== undefined && tier !== null && tier !== 'auto' && tier !== 'default')
    throw unsupported(
      'service_tier',
      'service_tier must be "auto" or "default": other tiers are priced differently',
    );
  if (b.audio !== undefined && b.audio !== null)
    throw unsupported('audio', 'Audio output is not supported');
  const modalities = b.modalities;
  if (
    modalities !== undefined &&
    modalities !== null &&
    !(
      Array.isArray(modalities) &&
      modalities.length === 1 &&
      modalities[0] === 'text'
    )
  )
    throw unsupported('modalities', 'Only modalities ["text"] is supported');
  if (b.web_search_options !== undefined && b.web_search_options !== null)
    throw unsupported(
      'web_search_options',
      'Web search is not supported: it is priced apart from tokens',
    );
}

/** Checks a body against OpenAI's Chat Completions schema; 400 `invalid_request_error` with `param` otherwise. */
export function parseCompletionRequest(body: unknown): CompletionRequest {
  if (!isObject(body))
    throw badRequest(null, 'The request body must be a JSON object');
  if (typeof body.model !== 'string' || body.model === '')
    throw badRequest('model', 'model is required');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw badRequest('messages', 'messages must be a non-empty array');
  const textMessages = body.messages.map(parseMessage);
  if (body.stream !== undefined && body.stream !== null)
    if (typeof body.stream !== 'boolean')
      throw badRequest('stream', 'stream must be a boolean');
  const options = body.stream_options;
  if (options !== undefined && options !== null) {
    if (
      !isObject(options) ||
      (options.include_usage !== undefined &&
        typeof options.include_usage !== 'boolean')
    )
      throw badRequest(
        'stream_options',
        'stream_options must be {"include_usage": boolean}',
      );
  }
  let maxTokens: number | null = null;
  for (const name of ['max_tokens', 'max_completion_tokens']) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    if (!isWhole(v) || v < 1)
      throw badRequest(name, `${name} must be a whole number of at least 1`);
    maxTokens = maxTokens === null ? v : Math.min(maxTokens, v);
  }
  checkOptional(body);
  refusePricedFields(body);
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!OWN.has(k)) fields[k] = v;
  return {
    model: body.model,
    messages: body.messages,
    textMessages,
    promptTokens: estimatePrompt(body.messages, fields),
    stream: body.stream === true,
    includeUsage: isObject(options) && options.include_usage === true,
    maxTokens,
    tools: Array.isArray(body.tools) ? body.tools : null,
    fields,
  };
}
