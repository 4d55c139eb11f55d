import type { AiConfig } from '../../config/app-config';
import {
  AiAbortedError,
  type AiChatMessage,
  type AiProvider,
  AiProviderError,
  type AiStreamEvent,
  type AiStreamRequest,
  AiTimeoutError,
  type AiUsage,
} from './ai-provider.port';
import { type SseEvent, SseParser } from './sse-parser';
import type { TokenCounter } from './tokenizer';

/** Characters of an upstream body quoted in an error message. */
const EXCERPT_CHARS = 200;

type Chunk = {
  choices?: Array<{
    delta?: { content?: unknown };
    message?: { content?: unknown };
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
  private readonly endpoint: string;
  private readonly label: string;

  constructor(
    private readonly config: AiConfig,
    private readonly tokens: TokenCounter,
  ) {
    this.model = config.model;
    this.endpoint = `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    // The host only: a base URL may carry credentials.
    this.label = `AI provider at ${new URL(this.endpoint).host}`;
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
          { cause: err },
        );
      }
      if (err instanceof AiProviderError) return err;
      return new AiProviderError(
        `${this.label} ${started ? 'failed while answering' : 'could not be reached'}: ${this.describe(err)}`,
        null,
        { cause: err },
      );
    };

    let finished = false;
    try {
      let res: Response;
      try {
        res = await timed(() =>
          fetch(this.endpoint, {
            method: 'POST',
            headers: this.headers(),
            body: JSON.stringify(this.body(req)),
            signal: upstream.signal,
          }),
        );
      } catch (err) {
        throw failure(err, false);
      }

      if (!res.ok) {
        let text = '';
        try {
          text = await timed(() => res.text());
        } catch (err) {
          if (signal.aborted || timedOut) throw failure(err, false);
        }
        throw new AiProviderError(
          `${this.label} answered HTTP ${res.status}: ${this.excerpt(text)}`,
          res.status,
        );
      }

      const contentType = res.headers.get('content-type') ?? '';
      const events =
        contentType.includes('application/json') || !res.body
          ? this.readJson(res, req, timed)
          : this.readSse(res.body, req, timed);
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
    body: ReadableStream<Uint8Array>,
    req: AiStreamRequest,
    timed: <T>(wait: () => Promise<T>) => Promise<T>,
  ): AsyncGenerator<AiStreamEvent, void, undefined> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let completion = '';
    let usage: AiUsage | null = null;
    let finishReason: string | null = null;
    let done = false;

    const handle = (event: SseEvent): string | null => {
      if (event.data.trim() === '[DONE]') {
        done = true;
        return null;
      }
      const chunk = this.parseChunk(event);
      usage = this.readUsage(chunk) ?? usage;
      const choice = chunk.choices?.[0];
      if (typeof choice?.finish_reason === 'string')
        finishReason = choice.finish_reason;
      const content = choice?.delta?.content;
      return typeof content === 'string' && content !== '' ? content : null;
    };

    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await timed(() => reader.read());
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
        const delta = handle(event);
        if (delta !== null) {
          completion += delta;
          yield { type: 'delta', content: delta };
        }
      }
      if (read.done) break;
    }

    if (!done && finishReason === null && usage === null) {
      throw new AiProviderError(
        `${this.label} ended the stream before the answer was complete`,
      );
    }
    yield {
      type: 'usage',
      usage: usage ?? this.tokens.usageOf(req.messages, completion),
    };
  }

  /** A server that ignored `stream: true` and answered with one JSON object. */
  private async *readJson(
    res: Response,
    req: AiStreamRequest,
    timed: <T>(wait: () => Promise<T>) => Promise<T>,
  ): AsyncGenerator<AiStreamEvent, void, undefined> {
    const text = await timed(() => res.text());
    const chunk = this.parseChunk({ event: 'message', data: text });
    const content = chunk.choices?.[0]?.message?.content;
    const completion = typeof content === 'string' ? content : '';
    if (completion !== '') yield { type: 'delta', content: completion };
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
      throw new AiProviderError(
        `${this.label} sent data that is not JSON: ${this.excerpt(event.data)}`,
      );
    }
    if (chunk === null || typeof chunk !== 'object') {
      throw new AiProviderError(
        `${this.label} sent an unexpected chunk: ${this.excerpt(event.data)}`,
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
      throw new AiProviderError(
        `${this.label} reported an error while answering: ${this.excerpt(message)}`,
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
      model: this.config.model,
      messages: req.messages.map(({ role, content }: AiChatMessage) => ({
        role,
        content,
      })),
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: req.maxOutputTokens,
    };
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
