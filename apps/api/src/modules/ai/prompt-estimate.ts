import { countTokens } from './token-count';

/**
 * The one prompt estimate of every path (the chat send, `/v1`, any later
 * route that translates to a chat completion): the o200k tokens of
 * everything sent upstream that a provider may read as input. A request is
 * admitted, held and, when its provider reports no usage, charged on this
 * number, so it must cover every field: a field left out is a field an
 * attacker fills (a 216 KB `response_format` schema, `functions`,
 * `prediction`, a message's `name`).
 *
 * It is an upper estimate, never an exact count: providers render tools and
 * schemas more compactly than their JSON, and a provider that reports more
 * than was held is charged the hold (the lease's rule).
 */

/**
 * Request fields that only steer the answer: nothing in them is read as
 * input. Everything else, known to Tally or not, is counted as its JSON.
 */
export const PURE_OPTIONS: ReadonlySet<string> = new Set([
  'model',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'n',
  'seed',
  'user',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'logprobs',
  'top_logprobs',
  'parallel_tool_calls',
  'tool_choice',
]);

/** OpenAI's chat format: each message costs its fields plus 3, the reply primer 3. */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_REPLY = 3;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as the provider reads it: a string as it is, anything else as its JSON. */
function valueTokens(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') return countTokens(value);
  return countTokens(JSON.stringify(value));
}

/** A message's `content`: a string, or parts (a text part's text, any other part as JSON). */
function contentTokens(content: unknown): number {
  if (!Array.isArray(content)) return valueTokens(content);
  let n = 0;
  for (const part of content) {
    if (
      isObject(part) &&
      part.type === 'text' &&
      typeof part.text === 'string'
    ) {
      // The text as text; anything else the part carries as its JSON.
      const rest = Object.entries(part).filter(
        ([k]) => k !== 'type' && k !== 'text',
      );
      n += countTokens(part.text);
      if (rest.length > 0) n += valueTokens(Object.fromEntries(rest));
    } else n += valueTokens(part);
  }
  return n;
}

/**
 * One message of any shape: its role and content, and every other field
 * (`name`, `tool_calls`, `function_call`, `tool_call_id`, fields Tally does
 * not know) with its name, plus the per-message overhead.
 */
export function messageTokens(message: unknown): number {
  if (!isObject(message)) return TOKENS_PER_MESSAGE + valueTokens(message);
  let n = TOKENS_PER_MESSAGE;
  for (const [key, value] of Object.entries(message)) {
    if (key === 'content') n += contentTokens(value);
    else if (key === 'role') n += valueTokens(value);
    else if (value !== undefined && value !== null)
      n += countTokens(key) + valueTokens(value);
  }
  return n;
}

/**
 * The prompt estimate of a chat completion sent upstream: its messages, and
 * every other field of the request that is not a pure option (`tools`,
 * `functions`, `response_format`, `prediction`, unknown fields), each with
 * its name.
 */
export function estimatePrompt(
  messages: readonly unknown[],
  fields: Readonly<Record<string, unknown>> = {},
): number {
  let n = TOKENS_PER_REPLY;
  for (const m of messages) n += messageTokens(m);
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'messages' || PURE_OPTIONS.has(key)) continue;
    if (value === undefined || value === null) continue;
    n += countTokens(key) + valueTokens(value);
  }
  return n;
}

/**
 * The output text of tool calls, as they are counted toward the output cap
 * and charged: each call's function name and arguments (pieces of a
 * streamed call, or whole calls).
 */
export function toolCallText(toolCalls: readonly unknown[]): string {
  let text = '';
  for (const call of toolCalls) {
    const fn = isObject(call) ? call.function : undefined;
    if (!isObject(fn)) continue;
    if (typeof fn.name === 'string') text += fn.name;
    if (typeof fn.arguments === 'string') text += fn.arguments;
  }
  return text;
}
