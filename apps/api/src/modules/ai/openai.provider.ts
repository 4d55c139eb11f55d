import {
  AiAbortedError,
  type AiChatMessage,
  type AiProvider,
  AiProviderError,
  type AiStreamEvent,
  type AiStreamRequest,
  AiTimeoutError,
  type AiTokenParameter,
} from './ai-provider.port';
import { readJson, readSse } from './completion-reader';
import { ProviderVoice } from './provider-voice';
import type { TokenCounter } from './tokenizer';
import {
  getUpstream,
  isRedirect,
  postUpstream,
  UpstreamTooLarge,
  type UpstreamResponse,
} from './upstream-http';
import { Retryable, retryAfterMs, withRetries } from './upstream-retries';

export { MAX_RETRIES, RETRY_BUDGET_MS, retryAfterMs } from './upstream-retries';

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
  /** How its failures are told: in the log, and in answers (naming the model only). */
  private readonly voice: ProviderVoice;

  constructor(
    private readonly config: OpenAiProviderConfig,
    private readonly tokens: TokenCounter,
  ) {
    this.model = config.model;
    this.endpoint = `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.voice = new ProviderVoice(
      this.endpoint,
      config.modelId ?? config.model,
      config.apiKey,
    );
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
    const { voice } = this;
    /** The error to throw for `err`, caught while the request was `started` or not. */
    const failure = (err: unknown, started: boolean): Error => {
      if (signal.aborted) return new AiAbortedError(undefined, { cause: err });
      if (timedOut) {
        const ms = this.config.timeoutMs;
        return new AiTimeoutError(
          started
            ? `${voice.label} sent nothing more for ${ms} ms while answering`
            : `${voice.label} did not answer within ${ms} ms`,
          {
            cause: err,
            publicMessage: started
              ? `${voice.publicLabel} stopped answering (timed out)`
              : `${voice.publicLabel} did not answer in time`,
          },
        );
      }
      if (err instanceof AiProviderError) return err;
      return started
        ? voice.error(
            `failed while answering: ${voice.describe(err)}`,
            'failed while answering',
            null,
            { cause: err },
          )
        : voice.error(
            `could not be reached: ${voice.describe(err)}`,
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
      // Not followed, not read, not retried: the request ends (and with it the connection).
      if (isRedirect(res.status))
        throw voice.redirect(res.status, 'POST /chat/completions');
      let text = '';
      try {
        text = await timed(() => res.text());
      } catch (err) {
        if (signal.aborted || timedOut) throw failure(err, false);
        if (err instanceof UpstreamTooLarge)
          text = '(a body over 1 MiB, not read to its end)';
      }
      const error = voice.error(
        `answered HTTP ${res.status}`,
        `failed (HTTP ${res.status})`,
        res.status,
        { quote: text },
      );
      if (res.status === 429 || res.status >= 500) {
        throw new Retryable(error, retryAfterMs(res.header('retry-after')));
      }
      throw error;
    };

    let finished = false;
    try {
      const res = await withRetries(
        attempt,
        this.config.retryDelayMs ?? 250,
        signal,
      );

      const contentType = res.header('content-type') ?? '';
      const read = { req, timed, voice, tokens: this.tokens };
      const events = contentType.includes('application/json')
        ? readJson(res, read)
        : readSse(res, read);
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

  /**
   * The provider's `GET {baseUrl}/models`: the ids of its models. Throws
   * `AiProviderError`/`AiTimeoutError`. A redirect is a failure (never
   * followed), and an answer over UPSTREAM_READ_LIMIT is not read.
   */
  async listModels(): Promise<string[]> {
    const { voice } = this;
    const url = `${this.config.baseUrl.replace(/\/+$/, '')}/models`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.config.timeoutMs);
    try {
      const res = await getUpstream(
        url,
        { ...this.headers(), Accept: 'application/json' },
        controller.signal,
      );
      if (isRedirect(res.status))
        throw voice.redirect(res.status, 'GET /models');
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        if (!(err instanceof UpstreamTooLarge) || controller.signal.aborted)
          throw err;
        throw voice.tooLarge(
          res.ok ? 'a model list' : `an HTTP ${res.status} answer`,
          res.ok ? null : res.status,
        );
      }
      if (!res.ok) {
        throw voice.error(
          `answered HTTP ${res.status} to GET /models`,
          `failed (HTTP ${res.status})`,
          res.status,
          { quote: text },
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw voice.error(
          'sent a model list that is not JSON',
          'sent a model list that could not be read',
          null,
          { quote: text },
        );
      }
      const data = (body as { data?: unknown })?.data;
      if (!Array.isArray(data))
        throw voice.error('sent no model list', 'sent no model list', null, {
          quote: text,
        });
      return data
        .map((m) => (m as { id?: unknown })?.id)
        .filter((id): id is string => typeof id === 'string');
    } catch (err) {
      if (err instanceof AiProviderError) throw err;
      if (controller.signal.aborted)
        throw new AiTimeoutError(
          `${voice.label} did not list its models within ${this.config.timeoutMs} ms`,
          { publicMessage: `${voice.publicLabel} did not answer in time` },
        );
      throw voice.error(
        `could not be reached: ${voice.describe(err)}`,
        'could not be reached',
        null,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
      // A body left unread (a redirect's) is not waited for: its connection goes.
      controller.abort();
    }
  }
}
