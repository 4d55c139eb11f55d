/**
 * A fake OpenAI-compatible Chat Completions server for tests: real HTTP on
 * 127.0.0.1 (a free port), speaking the streaming protocol
 * (`POST /v1/chat/completions` with `stream: true` → server-sent events).
 *
 *   const fake = await startFakeOpenAi();
 *   config.ai.baseUrl = fake.url;              // 'http://127.0.0.1:<port>/v1'
 *   fake.mode = 'slow';                        // or fake.setMode('slow')
 *   ...
 *   expect(fake.requests[0].body.max_tokens).toBe(100);
 *   await fake.waitFor(() => fake.aborted === 1);
 *   await fake.close();                         // in afterAll; reset() in beforeEach
 *
 * Modes (`fake.mode` applies to every request; `[fake:<mode>]` anywhere in the
 * last user message overrides it for that request only):
 *
 * - `normal`: a role chunk, one delta per word of the answer, a final chunk
 *   with `finish_reason`, then (when the request has
 *   `stream_options.include_usage`) a usage chunk with empty `choices`, then
 *   `data: [DONE]`.
 * - `no-usage`: as `normal` without the usage chunk.
 * - `fail`: HTTP 500 with an OpenAI-style JSON error body.
 * - `unauthorized`: HTTP 401 whose body quotes the presented API key in full
 *   (a careless server), to check that errors never repeat it.
 * - `fail-mid-stream`: two deltas, then the server destroys the socket.
 * - `drop-after-usage`: as `normal` up to the usage chunk, then the server
 *   destroys the socket instead of sending `[DONE]`.
 * - `error-chunk`: two deltas, then a chunk `{"error": {...}}`, then the end.
 * - `hang`: reads the request and never answers (not even headers).
 * - `stall`: headers and one delta, then nothing.
 * - `slow`: as `normal`, `delayMs` (default 50) before each delta. While
 *   `fake.held` is true, slow answers send no delta and no end: only an SSE
 *   comment every `delayMs`, which keeps the API's read time-out from firing;
 *   they go on once `held` is false again. So a test decides when an answer
 *   in progress ends, instead of racing its length.
 * - `fragmented`: as `normal`, with `\r\n` line ends, comment keep-alives and
 *   two events in one `data` write, sent in pieces of 1 to 7 bytes (multi-byte
 *   characters cut too) a millisecond apart.
 *
 * The answer is `fake.reply` when set, else `Echo: <last user message>`; it
 * streams word by word and, like a real provider, stops before it would pass
 * `max_tokens` tokens as Tally counts them (o200k_base), so a fake that
 * honours the cap is never cut by the API's hard cap
 * (`finish_reason: 'length'`). Usage is `fake.usage` when set, else
 * `prompt_tokens` = words of all messages + 4 per message and
 * `completion_tokens` = words sent. `fake.billsWhatItReads` makes
 * `prompt_tokens` the o200k tokens of the whole request body as it came
 * (every field a provider may read, and its JSON around it): a provider
 * that bills honestly for everything it was sent.
 *
 * `fake.failNext = n` answers the next n chat requests with HTTP
 * `fake.failStatus` (default 503, with `Retry-After: fake.retryAfter` when
 * set) before any byte of an answer. `fake.ignoreMaxTokens` streams the whole
 * answer whatever the cap (a provider that does not stop). The cap is read
 * from `max_tokens` or `max_completion_tokens`. `GET /v1/models` lists
 * `fake.models`.
 *
 * `fake.toolCalls`, when set, answers a request that has `tools` with those
 * calls instead of text: each streamed as a delta with its id and name,
 * then one with its arguments, then `finish_reason: 'tool_calls'`.
 *
 * Counters: `open` answers in progress, `aborted` answers whose client went
 * away before the end (not those the server cut itself), `completed` answers
 * sent in full. `requests` records every request, body parsed.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { countTokens } from '../../src/modules/ai/tokenizer';

export type FakeOpenAiMode =
  | 'normal'
  | 'no-usage'
  | 'fail'
  | 'unauthorized'
  | 'fail-mid-stream'
  | 'drop-after-usage'
  | 'error-chunk'
  | 'hang'
  | 'stall'
  | 'slow'
  | 'fragmented';

export const FAKE_OPENAI_MODES: readonly FakeOpenAiMode[] = [
  'normal',
  'no-usage',
  'fail',
  'unauthorized',
  'fail-mid-stream',
  'drop-after-usage',
  'error-chunk',
  'hang',
  'stall',
  'slow',
  'fragmented',
];

export interface FakeChatBody {
  model?: string;
  messages?: Array<{ role: string; content: string }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  [field: string]: unknown;
}

export interface FakeOpenAiRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (`{}` when it was not JSON). */
  body: FakeChatBody;
  /** The mode this request was answered in. */
  mode: FakeOpenAiMode;
}

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** A tool call the fake answers with (`fake.toolCalls`). */
export interface FakeToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface FakeOpenAi {
  /** Base URL ending in `/v1`, for `AiConfig.baseUrl`. */
  readonly url: string;
  mode: FakeOpenAiMode;
  /** Fixed answer text; null: `Echo: <last user message>`. */
  reply: string | null;
  /** Fixed usage; null: counted as described above. */
  usage: FakeUsage | null;
  /** Delay before each delta in `slow` mode, in ms. */
  delayMs: number;
  /** Chat requests still to answer with `failStatus` before any byte. */
  failNext: number;
  failStatus: number;
  /** `Retry-After` on those failures (seconds), or null for none. */
  retryAfter: string | null;
  /** Stream the whole answer whatever `max_tokens` says. */
  ignoreMaxTokens: boolean;
  /** Report `prompt_tokens` as the tokens of the whole request body. */
  billsWhatItReads: boolean;
  /** Slow answers pause (with comment keep-alives) while true. */
  held: boolean;
  /** Ids listed by `GET /v1/models`. */
  models: string[];
  /** Tool calls to answer a request with `tools` with; null: text. */
  toolCalls: FakeToolCall[] | null;
  readonly requests: FakeOpenAiRequest[];
  readonly open: number;
  readonly aborted: number;
  readonly completed: number;
  setMode(mode: FakeOpenAiMode): void;
  /** Back to `normal`, no fixed reply or usage, records and counters cleared. */
  reset(): void;
  /** Resolves once `condition()` is true; rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, timeoutMs?: number): Promise<void>;
  /** Stops listening and destroys every open socket. */
  close(): Promise<void>;
}

const MARKER = /\[fake:([a-z-]+)\]/;

class FakeOpenAiServer implements FakeOpenAi {
  url = '';
  mode: FakeOpenAiMode = 'normal';
  reply: string | null = null;
  usage: FakeUsage | null = null;
  delayMs = 50;
  failNext = 0;
  failStatus = 503;
  retryAfter: string | null = null;
  ignoreMaxTokens = false;
  billsWhatItReads = false;
  held = false;
  models: string[] = ['fake-model'];
  toolCalls: FakeToolCall[] | null = null;
  requests: FakeOpenAiRequest[] = [];
  open = 0;
  aborted = 0;
  completed = 0;

  private readonly sockets = new Set<Socket>();
  private readonly cutByServer = new WeakSet<ServerResponse>();
  private closing = false;
  private sequence = 0;
  readonly server = createServer((req, res) => this.onRequest(req, res));

  constructor() {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/v1`;
  }

  setMode(mode: FakeOpenAiMode): void {
    this.mode = mode;
  }

  reset(): void {
    this.mode = 'normal';
    this.reply = null;
    this.usage = null;
    this.delayMs = 50;
    this.failNext = 0;
    this.failStatus = 503;
    this.retryAfter = null;
    this.ignoreMaxTokens = false;
    this.billsWhatItReads = false;
    this.held = false;
    this.models = ['fake-model'];
    this.toolCalls = null;
    this.requests.length = 0;
    this.aborted = 0;
    this.completed = 0;
  }

  async waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline)
        throw new Error(
          `fake OpenAI server: condition not met within ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) =>
      this.server.close(() => resolve()),
    );
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.open++;
    const timers = new Set<NodeJS.Timeout>();
    res.on('close', () => {
      this.open--;
      for (const t of timers) clearTimeout(t);
      if (res.writableFinished) this.completed++;
      else if (!this.cutByServer.has(res) && !this.closing) this.aborted++;
    });
    const later = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) fn();
      }, ms);
      timers.add(t);
    };

    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: FakeChatBody = {};
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        body = JSON.parse(raw) as FakeChatBody;
      } catch {
        body = {};
      }
      const messages = Array.isArray(body.messages) ? body.messages : [];
      const lastUser =
        [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const marker = MARKER.exec(String(lastUser))?.[1] as
        | FakeOpenAiMode
        | undefined;
      const mode =
        marker && FAKE_OPENAI_MODES.includes(marker) ? marker : this.mode;
      this.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        mode,
      });

      if (req.method === 'GET' && req.url === '/v1/models') {
        return this.json(res, 200, {
          object: 'list',
          data: this.models.map((id) => ({
            id,
            object: 'model',
            created: 0,
            owned_by: 'fake',
          })),
        });
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        return this.json(res, 404, {
          error: {
            message: `No route ${req.method} ${req.url}`,
            type: 'invalid_request_error',
          },
        });
      }
      this.answer(res, mode, body, messages, String(lastUser), later, raw);
    });
  }

  private answer(
    res: ServerResponse,
    mode: FakeOpenAiMode,
    body: FakeChatBody,
    messages: Array<{ role: string; content: string }>,
    lastUser: string,
    later: (ms: number, fn: () => void) => void,
    raw: string,
  ): void {
    if (mode === 'hang') return;
    if (this.failNext > 0) {
      this.failNext--;
      res.writeHead(this.failStatus, {
        'Content-Type': 'application/json',
        ...(this.retryAfter !== null ? { 'Retry-After': this.retryAfter } : {}),
      });
      return void res.end(
        JSON.stringify({
          error: {
            message: 'The fake model is overloaded',
            type: 'server_error',
          },
        }),
      );
    }
    if (mode === 'fail') {
      return this.json(res, 500, {
        error: {
          message: 'The fake model failed on purpose',
          type: 'server_error',
          param: null,
          code: null,
        },
      });
    }
    if (mode === 'unauthorized') {
      const presented = String(res.req.headers.authorization ?? '').replace(
        /^Bearer\s+/i,
        '',
      );
      return this.json(res, 401, {
        error: {
          message: `Incorrect API key provided: ${presented}.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
    }

    const id = `chatcmpl-fake-${++this.sequence}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? 'fake-model';
    const withUsage =
      body.stream_options?.include_usage === true && mode !== 'no-usage';
    const chunk = (
      choices: unknown[],
      extra: Record<string, unknown> = {},
    ) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices,
      ...(withUsage ? { usage: null } : {}),
      ...extra,
    });
    const delta = (content: string) =>
      chunk([{ index: 0, delta: { content }, finish_reason: null }]);

    let words: string[] =
      (this.reply ?? `Echo: ${lastUser}`).match(/\s*\S+/g) ?? [];
    let finish = 'stop';
    const cap = body.max_tokens ?? body.max_completion_tokens;
    if (!this.ignoreMaxTokens && typeof cap === 'number') {
      let n = 0;
      while (
        n < words.length &&
        countTokens(words.slice(0, n + 1).join('')) <= cap
      )
        n++;
      if (n < words.length) {
        words = words.slice(0, n);
        finish = 'length';
      }
    }
    const usage = this.usage ?? {
      prompt_tokens: this.billsWhatItReads
        ? countTokens(raw)
        : messages.reduce(
            (sum, m) =>
              sum + 4 + (String(m.content).match(/\S+/g)?.length ?? 0),
            0,
          ),
      completion_tokens: words.length,
    };

    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const send = (data: unknown) =>
      res.write(
        `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
      );
    send(
      chunk([
        {
          index: 0,
          delta: { role: 'assistant', content: '' },
          finish_reason: null,
        },
      ]),
    );

    if (this.toolCalls && Array.isArray(body.tools)) {
      this.toolCalls.forEach((call, index) => {
        send(
          chunk([
            {
              index: 0,
              delta: {
                tool_calls: [
                  {
                    index,
                    id: call.id,
                    type: 'function',
                    function: { name: call.name, arguments: '' },
                  },
                ],
              },
              finish_reason: null,
            },
          ]),
        );
        send(
          chunk([
            {
              index: 0,
              delta: {
                tool_calls: [
                  { index, function: { arguments: call.arguments } },
                ],
              },
              finish_reason: null,
            },
          ]),
        );
      });
      send(chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]));
      if (withUsage)
        send(
          chunk([], {
            usage: {
              prompt_tokens: usage.prompt_tokens,
              completion_tokens: 12,
              total_tokens: usage.prompt_tokens + 12,
            },
          }),
        );
      send('[DONE]');
      return void res.end();
    }

    if (mode === 'stall') {
      if (words.length > 0) send(delta(words[0]));
      return;
    }
    if (mode === 'fail-mid-stream' || mode === 'error-chunk') {
      for (const w of words.slice(0, 2)) send(delta(w));
      later(5, () => {
        if (mode === 'error-chunk') {
          send({
            error: {
              message: 'The fake model broke mid-answer',
              type: 'server_error',
              code: null,
            },
          });
          res.end();
        } else {
          this.cutByServer.add(res);
          res.socket?.destroy();
        }
      });
      return;
    }

    const tail = [
      chunk([{ index: 0, delta: {}, finish_reason: finish }]),
      ...(withUsage
        ? [
            chunk([], {
              usage: {
                ...usage,
                total_tokens: usage.prompt_tokens + usage.completion_tokens,
              },
            }),
          ]
        : []),
    ];

    if (mode === 'slow') {
      const step = (i: number): void => {
        if (this.held) {
          return later(this.delayMs, () => {
            res.write(': held\n\n');
            step(i);
          });
        }
        if (i < words.length) {
          later(this.delayMs, () => {
            send(delta(words[i]));
            step(i + 1);
          });
        } else {
          for (const c of tail) send(c);
          send('[DONE]');
          res.end();
        }
      };
      return step(0);
    }

    if (mode === 'fragmented') {
      const events = [...words.map(delta), ...tail].map(
        (c) => `data: ${JSON.stringify(c)}\r\n\r\n`,
      );
      // Two events in one piece of text, a comment between them, and keep-alives.
      const text = `: keep-alive\r\n\r\n${events.join(': ping\r\n\r\n')}data: [DONE]\r\n\r\n`;
      const bytes = Buffer.from(text, 'utf8');
      let offset = 0;
      let size = 1;
      const next = () => {
        if (offset >= bytes.length) return void res.end();
        res.write(bytes.subarray(offset, offset + size));
        offset += size;
        size = (size % 7) + 1;
        later(1, next);
      };
      return next();
    }

    for (const w of words) send(delta(w));
    for (const c of tail) send(c);
    if (mode === 'drop-after-usage') {
      return later(5, () => {
        this.cutByServer.add(res);
        res.socket?.destroy();
      });
    }
    send('[DONE]');
    res.end();
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

/** Starts a fake OpenAI-compatible server on 127.0.0.1 with a free port. */
export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const fake = new FakeOpenAiServer();
  await fake.listen();
  return fake;
}
