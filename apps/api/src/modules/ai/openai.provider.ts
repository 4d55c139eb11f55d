import {
  AiAbortedError,
  type AiChatMessage,
  type AiProvider,
  AiProviderError,
  type AiStreamEvent,
  type AiStreamRequest,
  AiTimeoutError,
  type AiTokenParameter,
  type AiUsage,
} from './ai-provider.port';
import { type SseEvent, SseParser } from './sse-parser';
import type { TokenCounter } from './tokenizer';
import { postUpstream, type UpstreamResponse } from './upstream-http';

/** Characters of an upstream body quoted in an error message. */
const EXCERPT_CHARS = 200;

type Chunk = {
  choices?: Array<{
    delta?: { content?: unknown; tool_calls?: unknown };
    message?: { content?: unknown; tool_calls?: unknown };
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

/** Retries of a request that failed before its first byte. */
export const MAX_RETRIES = 2;
/** All waits between retries together, `Retry-After` included, at most. */
export const RETRY_BUDGET_MS = 10000;

/** What the adapter needs (`AiConfig` of the environment fits, as does a catalog model's target). */
export interface OpenAiProviderConfig {
  baseUrl: string;
  apiKey: string | null;
  /** The provider's name of the model. */
  model: string;
  timeoutMs: number;
  /** Tally's model id, named in answered errors; the upstream name when not given. */
  modelId?: string;
  /** How the output cap is sent (default `max_tokens`). */
  tokenParameter?: AiTokenParameter;
  /** First wait between retries (doubled each time), unless `Retry-After` says otherwise. */
  retryDelayMs?: number;
}

/** A failure before the first byte that is worth another try: refused, 429, 5xx. */
class Retryable extends Error {
  constructor(
    readonly failure: Error,
    readonly retryAfterMs: number | null,
  ) {
    super(failure.message);
  }
}

/** `Retry-After`: seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(
  value: string | null,
  now = Date.now(),
): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Adapter for any OpenAI-compatible Chat Completions endpoint (OpenAI,
 * Ollama, vLLM, llama.cpp): `POST {baseUrl}/chat/completions` with
 * `stream: true`, read as server-sent events.
 *
 * `timeoutMs` bounds the wait for the response headers and every wait for the
 * next piece of the body; it does not bound a long answer that keeps coming.
 */
export class OpenAiProvider implements AiProvider {
  readonly name = 'openai';
  readonly model: string;
  readonly supportsTools = true;
  private readonly endpoint: string;
  /** For the log: the host only (a base URL may carry credentials). */
  private readonly label: string;
  /** For answers: the model, never the provider's address. */
  private readonly publicLabel: string;

  constructor(
    private readonly config: OpenAiProviderConfig,
    private readonly tokens: TokenCounter,
  ) {
    this.model = config.model;
    this.endpoint = `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    const modelId = config.modelId ?? config.model;
    this.label = `AI provider at ${new URL(this.endpoint).host} (model "${modelId}")`;
    this.publicLabel = `The AI model "${modelId}"`;
  }

  /** Errors of the provider: the log text, and the answered text naming the model only. */
  private providerError(
    detail: string,
    publicText: string,
    status: number | null = null,
    options: { cause?: unknown; streamDetail?: string } = {},
  ): AiProviderError {
    return new AiProviderError(`${this.label} ${detail}`, status, {
      cause: options.cause,
      publicMessage: `${this.publicLabel} ${publicText}`,
      streamMessage:
        options.streamDetail === undefined
          ? undefined
          : `${this.publicLabel} ${publicText}: ${options.streamDetail}`,
    });
  }

  async *stream(
    req: AiStreamRequest,
  ): AsyncGenerator<AiStreamEvent, void, undefined> {
    const { signal } = req;
    if (signal.aborted) throw new AiAbortedError();

    const upstream = new AbortController();
    const onAbort = () => upstream.abort();
    signal.addEventListener('abort', onAbort, { once: true });

    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    /** Runs one wait on the network under the time-out. */
    const timed = async <T>(wait: () => Promise<T>): Promise<T> => {
      timer = setTimeout(() => {
        timedOut = true;
        upstream.abort();
      }, this.config.timeoutMs);
      try {
        return await wait();
      } finally {
        clearTimeout(timer);
      }
    };
    /** The error to throw for `err`, caught while the request was `started` or not. */
    const failure = (err: unknown, started: boolean): Error => {
      if (signal.aborted) return new AiAbortedError(undefined, { cause: err });
      if (timedOut) {
        const ms = this.config.timeoutMs;
        return new AiTimeoutError(
          started
            ? `${this.label} sent nothing more for ${ms} ms while answering`
            : `${this.label} did not answer within ${ms} ms`,
          {
            cause: err,
            publicMessage: started
              ? `${this.publicLabel} stopped answering (timed out)`
              : `${this.publicLabel} did not answer in time`,
          },
        );
      }
      if (err instanceof AiProviderError) return err;
      return started
        ? this.providerError(
            `failed while answering: ${this.describe(err)}`,
            'failed while answering',
            null,
            { cause: err },
          )
        : this.providerError(
            `could not be reached: ${this.describe(err)}`,
            'could not be reached',
            null,
            { cause: err },
          );
    };

    /** One request; a failure before the first byte worth retrying is thrown as `Retryable`. */
    const attempt = async (): Promise<UpstreamResponse> => {
      let res: UpstreamResponse;
      try {
        res = await timed(() =>
          postUpstream(
            this.endpoint,
            this.headers(),
            JSON.stringify(this.body(req)),
            upstream.signal,
          ),
        );
      } catch (err) {
        const error = failure(err, false);
        // Refused, reset, unreachable: another try may reach it. Not a time-out or an abort.
        if (error instanceof AiProviderError) throw new Retryable(error, null);
        throw error;
      }
      if (res.ok) return res;
      let text = '';
      try {
        text = await timed(() => res.text());
      } catch (err) {
        if (signal.aborted || timedOut) throw failure(err, false);
      }
      const error = this.providerError(
        `answered HTTP ${res.status}: ${this.excerpt(text)}`,
        `failed (HTTP ${res.status})`,
        res.status,
      );
      if (res.status === 429 || res.status >= 500) {
        throw new Retryable(error, retryAfterMs(res.header('retry-after')));
      }
      throw error;
    };

    let finished = false;
    try {
      let res: UpstreamResponse | null = null;
      let waited = 0;
      let delay = this.config.retryDelayMs ?? 250;
      for (let retry = 0; res === null; retry++) {
        try {
          res = await attempt();
        } catch (err) {
          if (!(err instanceof Retryable)) throw err;
          const wait = err.retryAfterMs ?? delay;
          if (retry >= MAX_RETRIES || waited + wait > RETRY_BUDGET_MS)
            throw err.failure;
          waited += wait;
          delay *= 2;
          await pause(wait, signal);
          if (signal.aborted) throw new AiAbortedError();
        }
      }

      const contentType = res.header('content-type') ?? '';
      const events = contentType.includes('application/json')
        ? this.readJson(res, req, timed)
        : this.readSse(res, req, timed);
      try {
        for await (const event of events) {
          if (signal.aborted) throw new AiAbortedError();
          yield event;
        }
      } catch (err) {
        throw failure(err, true);
      }
      finished = true;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // An error, a time-out, an abort or a caller that stopped early: the upstream request must not keep running.
      if (!finished) upstream.abort();
    }
  }

  private async *readSse(
    res: UpstreamResponse,
    req: AiStreamRequest,
    timed: <T>(wait: () => Promise<T>) => Promise<T>,
  ): AsyncGenerator<AiStreamEvent, void, undefined> {
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let completion = '';
    let usage: AiUsage | null = null;
    let finishReason: string | null = null;
    let done = false;

    const passthrough = req.passthrough !== undefined;
    /** The events one server-sent event makes: text, and with `passthrough` tool calls and the finish reason. */
    const handle = (event: SseEvent): AiStreamEvent[] => {
      if (event.data.trim() === '[DONE]') {
        done = true;
        return [];
      }
      const chunk = this.parseChunk(event);
      usage = this.readUsage(chunk) ?? usage;
      const choice = chunk.choices?.[0];
      const out: AiStreamEvent[] = [];
      const content = choice?.delta?.content;
      if (typeof content === 'string' && content !== '') {
        completion += content;
        out.push({ type: 'delta', content });
      }
      const calls = choice?.delta?.tool_calls;
      if (passthrough && Array.isArray(calls) && calls.length > 0)
        out.push({ type: 'tool_calls', toolCalls: calls });
      if (typeof choice?.finish_reason === 'string') {
        finishReason = choice.finish_reason;
        if (passthrough) out.push({ type: 'finish', reason: finishReason });
      }
      return out;
    };

    for (;;) {
      let read: { done: boolean; value?: Buffer };
      try {
        read = await timed(() => res.read());
      } catch (err) {
        // Once `[DONE]`, the finish reason or the usage arrived, only the end
        // of the body was missing: the answer is whole (as on a clean end
        // below), and the usage the provider reported is what it cost.
        if (done || finishReason !== null || usage !== null) break;
        throw err;
      }
      const events = read.done
        ? [...parser.push(decoder.decode()), ...parser.end()]
        : parser.push(decoder.decode(read.value, { stream: true }));
      for (const event of events) {
        if (done) break;
        yield* handle(event);
      }
      if (read.done) break;
    }

    if (!done && finishReason === null && usage === null) {
      throw this.providerError(
        'ended the stream before the answer was complete',
        'ended its answer too early',
      );
    }
    yield {
      type: 'usage',
      usage: usage ?? this.tokens.usageOf(req.messages, completion),
    };
  }

  /** A server that ignored `stream: true` and answered with one JSON object. */
  private async *readJson(
    res: UpstreamResponse,
    req: AiStreamRequest,
    timed: <T>(wait: () => Promise<T>) => Promise<T>,
  ): AsyncGenerator<AiStreamEvent, void, undefined> {
    const text = await timed(() => res.text());
    const chunk = this.parseChunk({ event: 'message', data: text });
    const choice = chunk.choices?.[0];
    const content = choice?.message?.content;
    const completion = typeof content === 'string' ? content : '';
    if (completion !== '') yield { type: 'delta', content: completion };
    if (req.passthrough) {
      const calls = choice?.message?.tool_calls;
      if (Array.isArray(calls) && calls.length > 0)
        yield {
          type: 'tool_calls',
          toolCalls: calls.map((c, index) => ({ index, ...(c as object) })),
        };
      const reason = choice?.finish_reason;
      if (typeof reason === 'string') yield { type: 'finish', reason };
    }
    yield {
      type: 'usage',
      usage:
        this.readUsage(chunk) ?? this.tokens.usageOf(req.messages, completion),
    };
  }

  private parseChunk(event: SseEvent): Chunk {
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      throw this.providerError(
        `sent data that is not JSON: ${this.excerpt(event.data)}`,
        'sent an answer that could not be read',
      );
    }
    if (chunk === null || typeof chunk !== 'object') {
      throw this.providerError(
        `sent an unexpected chunk: ${this.excerpt(event.data)}`,
        'sent an answer that could not be read',
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
      throw this.providerError(
        `reported an error while answering: ${this.excerpt(message)}`,
        'reported an error while answering',
        null,
        { streamDetail: this.excerpt(message) },
      );
    }
    return chunk as Chunk;
  }

  private readUsage(chunk: Chunk): AiUsage | null {
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

  private headers(): Record<string, string> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'text/event-stream',
    };
    if (this.config.apiKey)
      headers['Authorization'] = `Bearer ${this.config.apiKey}`;
    return headers;
  }

  private body(req: AiStreamRequest) {
    return {
      // Fields of an OpenAI-shaped request the API does not own go first, so nothing here can be overridden.
      ...req.passthrough?.fields,
      model: this.config.model,
      messages:
        req.passthrough?.messages ??
        req.messages.map(({ role, content }: AiChatMessage) => ({
          role,
          content,
        })),
      stream: true,
      stream_options: { include_usage: true },
      [this.config.tokenParameter ?? 'max_tokens']: req.maxOutputTokens,
    };
  }

  /** The provider's `GET {baseUrl}/models`: the ids of its models. Throws `AiProviderError`/`AiTimeoutError`. */
  async listModels(): Promise<string[]> {
    const url = `${this.config.baseUrl.replace(/\/+$/, '')}/models`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.config.timeoutMs);
    try {
      const res = await fetch(url, {
        headers: { ...this.headers(), Accept: 'application/json' },
        signal: controller.signal,
      });
      const text = await res.text();
      if (!res.ok) {
        throw this.providerError(
          `answered HTTP ${res.status} to GET /models: ${this.excerpt(text)}`,
          `failed (HTTP ${res.status})`,
          res.status,
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw this.providerError(
          `sent a model list that is not JSON: ${this.excerpt(text)}`,
          'sent a model list that could not be read',
        );
      }
      const data = (body as { data?: unknown })?.data;
      if (!Array.isArray(data))
        throw this.providerError(
          `sent no model list: ${this.excerpt(text)}`,
          'sent no model list',
        );
      return data
        .map((m) => (m as { id?: unknown })?.id)
        .filter((id): id is string => typeof id === 'string');
    } catch (err) {
      if (err instanceof AiProviderError) throw err;
      if (controller.signal.aborted)
        throw new AiTimeoutError(
          `${this.label} did not list its models within ${this.config.timeoutMs} ms`,
          { publicMessage: `${this.publicLabel} did not answer in time` },
        );
      throw this.providerError(
        `could not be reached: ${this.describe(err)}`,
        'could not be reached',
        null,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** A short, single-line quote of what the provider said, with any credential removed. */
  private excerpt(text: string): string {
    let out = text.replace(/\s+/g, ' ').trim();
    const key = this.config.apiKey;
    if (key) out = out.split(key).join('***');
    out = out.replace(/Bearer\s+\S+/gi, 'Bearer ***');
    if (out === '') return '(empty body)';
    return out.length > EXCERPT_CHARS ? `${out.slice(0, EXCERPT_CHARS)}…` : out;
  }

  /** `fetch failed` says nothing: name the cause (`connect ECONNREFUSED …`, `other side closed`). */
  private describe(err: unknown): string {
    const parts: string[] = [];
    let e: unknown = err;
    for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
      const { message } = e as { message?: unknown };
      if (
        typeof message === 'string' &&
        message !== '' &&
        !parts.includes(message)
      )
        parts.push(message);
      e = (e as { cause?: unknown }).cause;
    }
    return this.excerpt(parts.join(': ') || String(err));
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
