import {
  type AiStreamEvent,
  type AiStreamRequest,
  type AiUsage,
  OTHER_OUTPUT,
} from './ai-provider.port';
import type { ProviderVoice } from './provider-voice';
import { toolCallText } from './prompt-estimate';
import { type SseEvent, SseParser, SseTooLong } from './sse-parser';
import type { TokenCounter } from './tokenizer';
import {
  UPSTREAM_READ_LIMIT,
  UpstreamTooLarge,
  type UpstreamResponse,
} from './upstream-http';

/** One wait on the network, under the request's time-out. */
export type Timed = <T>(wait: () => Promise<T>) => Promise<T>;

/** What reading an answer needs: the request, its time-out, how to tell failures, and the tokenizer. */
export interface ReadContext {
  req: AiStreamRequest;
  timed: Timed;
  voice: ProviderVoice;
  tokens: TokenCounter;
}

type Chunk = {
  choices?: Array<{
    delta?: { content?: unknown; tool_calls?: unknown } & Record<
      string,
      unknown
    >;
    message?: { content?: unknown; tool_calls?: unknown } & Record<
      string,
      unknown
    >;
    finish_reason?: unknown;
  }>;
  usage?: {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    total_tokens?: unknown;
  } | null;
  error?: unknown;
};

const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * An answer streamed as server-sent events (`chat.completion.chunk`s):
 * its text, with `passthrough` its tool calls, its finish reason, and last
 * its usage (the provider's, else counted: the prompt estimate, and the
 * text and tool calls received).
 */
export async function* readSse(
  res: UpstreamResponse,
  { req, timed, voice, tokens }: ReadContext,
): AsyncGenerator<AiStreamEvent, void, undefined> {
  const decoder = new TextDecoder();
  // A line or an event over the bound ends the answer as a failure (the caller aborts the request).
  const parser = new SseParser(UPSTREAM_READ_LIMIT);
  let completion = '';
  let usage: AiUsage | null = null;
  let finishReason: string | null = null;
  let done = false;

  const passthrough = req.passthrough !== undefined;
  /** The events one server-sent event makes: text, with `passthrough` tool calls, and the finish reason. */
  const handle = (event: SseEvent): AiStreamEvent[] => {
    if (event.data.trim() === '[DONE]') {
      done = true;
      return [];
    }
    const chunk = parseChunk(event, voice);
    usage = readUsage(chunk) ?? usage;
    const choice = chunk.choices?.[0];
    const out: AiStreamEvent[] = [];
    const content = choice?.delta?.content;
    if (typeof content === 'string' && content !== '') {
      completion += content;
      out.push({ type: 'delta', content });
    }
    const calls = choice?.delta?.tool_calls;
    if (passthrough && Array.isArray(calls) && calls.length > 0) {
      completion += toolCallText(calls);
      out.push({ type: 'tool_calls', toolCalls: calls });
    }
    for (const other of otherOutput(choice?.delta)) {
      completion += other.text;
      out.push(other);
    }
    if (typeof choice?.finish_reason === 'string') {
      finishReason = choice.finish_reason;
      out.push({ type: 'finish', reason: finishReason });
    }
    return out;
  };

  for (;;) {
    let read: { done: boolean; value?: Buffer };
    try {
      read = await timed(() => res.read());
    } catch (err) {
      // Once `[DONE]` or the finish reason arrived, only the end of the
      // body was missing: the answer is whole (as on a clean end below), and
      // the usage the provider reported is what it cost. A usage chunk alone
      // is not enough: some providers send one with every piece, so it may
      // be a count of part of the answer.
      if (done || finishReason !== null) break;
      throw err;
    }
    let events: SseEvent[];
    try {
      events = read.done
        ? [...parser.push(decoder.decode()), ...parser.end()]
        : parser.push(decoder.decode(read.value, { stream: true }));
    } catch (err) {
      if (err instanceof SseTooLong)
        throw voice.tooLarge('a line or event of its stream');
      throw err;
    }
    for (const event of events) {
      if (done) break;
      yield* handle(event);
    }
    if (read.done) break;
  }

  if (!done && finishReason === null && usage === null) {
    throw voice.error(
      'ended the stream before the answer was complete',
      'ended its answer too early',
    );
  }
  yield {
    type: 'usage',
    usage: usage ?? tokens.usageOf(req.promptTokens, completion),
  };
}

/** A server that ignored `stream: true` and answered with one JSON object. */
export async function* readJson(
  res: UpstreamResponse,
  { req, timed, voice, tokens }: ReadContext,
): AsyncGenerator<AiStreamEvent, void, undefined> {
  let text: string;
  try {
    text = await timed(() => res.text());
  } catch (err) {
    if (err instanceof UpstreamTooLarge) throw voice.tooLarge('an answer');
    throw err;
  }
  const chunk = parseChunk({ event: 'message', data: text }, voice);
  const choice = chunk.choices?.[0];
  const content = choice?.message?.content;
  const answer = typeof content === 'string' ? content : '';
  let completion = answer;
  if (answer !== '') yield { type: 'delta', content: answer };
  for (const other of otherOutput(choice?.message)) {
    completion += other.text;
    yield other;
  }
  if (req.passthrough) {
    const calls = choice?.message?.tool_calls;
    if (Array.isArray(calls) && calls.length > 0) {
      completion += toolCallText(calls);
      yield {
        type: 'tool_calls',
        toolCalls: calls.map((c, index) => ({ index, ...(c as object) })),
      };
    }
  }
  const reason = choice?.finish_reason;
  if (typeof reason === 'string') yield { type: 'finish', reason };
  yield {
    type: 'usage',
    usage: readUsage(chunk) ?? tokens.usageOf(req.promptTokens, completion),
  };
}

/**
 * The output of a piece (or a whole message) in fields other than its text
 * and tool calls: reasoning, a refusal, a legacy `function_call` (its name
 * and arguments). Billed as output by providers, so counted like text.
 */
function otherOutput(
  piece: Record<string, unknown> | undefined,
): Extract<AiStreamEvent, { type: 'other' }>[] {
  if (!piece) return [];
  const out: Extract<AiStreamEvent, { type: 'other' }>[] = [];
  for (const field of OTHER_OUTPUT) {
    const value = piece[field];
    if (value === undefined || value === null) continue;
    const text =
      typeof value === 'string'
        ? value
        : typeof value === 'object'
          ? toolCallText([{ function: value }])
          : '';
    if (text === '') continue;
    out.push({ type: 'other', field, delta: value, text });
  }
  return out;
}

/** One chunk as JSON, or the provider's error it carries, thrown. */
function parseChunk(event: SseEvent, voice: ProviderVoice): Chunk {
  let chunk: unknown;
  try {
    chunk = JSON.parse(event.data);
  } catch {
    throw voice.error(
      'sent data that is not JSON',
      'sent an answer that could not be read',
      null,
      { quote: event.data },
    );
  }
  if (chunk === null || typeof chunk !== 'object') {
    throw voice.error(
      'sent an unexpected chunk',
      'sent an answer that could not be read',
      null,
      { quote: event.data },
    );
  }
  const { error } = chunk as Chunk;
  if (event.event === 'error' || (error !== undefined && error !== null)) {
    const message =
      typeof error === 'string'
        ? error
        : typeof (error as { message?: unknown })?.message === 'string'
          ? (error as { message: string }).message
          : event.data;
    throw voice.error(
      'reported an error while answering',
      'reported an error while answering',
      null,
      { quote: message, streamDetail: voice.excerpt(message) },
    );
  }
  return chunk as Chunk;
}

/** The usage a chunk reports, when it is whole. */
function readUsage(chunk: Chunk): AiUsage | null {
  const u = chunk.usage;
  if (!u || !isCount(u.prompt_tokens) || !isCount(u.completion_tokens))
    return null;
  const total = isCount(u.total_tokens)
    ? u.total_tokens
    : u.prompt_tokens + u.completion_tokens;
  return {
    promptTokens: u.prompt_tokens,
    completionTokens: u.completion_tokens,
    totalTokens: total,
    estimated: false,
  };
}
