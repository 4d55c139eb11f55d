import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AiConfig } from '../../config/app-config';
import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../../../test/support/fake-openai-server';
import {
  AiAbortedError,
  type AiChatMessage,
  type AiProvider,
  AiProviderError,
  AiTimeoutError,
} from './ai-provider.port';
import { collectStream } from '../../../test/support/ai-stream';
import { OpenAiProvider, type OpenAiProviderConfig } from './openai.provider';
import { TokenCounter } from './tokenizer';

const API_KEY = 'sk-test-0123456789-very-secret';
const TIMEOUT_MS = 400;

const tokens = new TokenCounter();
let fake: FakeOpenAi;

function provider(overrides: Partial<AiConfig> = {}): OpenAiProvider {
  return new OpenAiProvider(
    {
      provider: 'openai',
      baseUrl: fake.url,
      apiKey: API_KEY,
      model: 'gpt-test',
      timeoutMs: TIMEOUT_MS,
      systemPrompt: null,
      maxOutputTokens: 1024,
      contextTokens: 8192,
      localDelayMs: 0,
      ...overrides,
    },
    tokens,
  );
}

const ask = (content: string): AiChatMessage[] => [{ role: 'user', content }];

/** Runs a stream to its end or its error; what arrived before an error is kept. */
const run = (
  p: AiProvider,
  messages: AiChatMessage[],
  opts: Partial<Parameters<typeof collectStream>[2]> = {},
) => collectStream(p, messages, { maxOutputTokens: 100, ...opts });

beforeAll(async () => {
  fake = await startFakeOpenAi();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => fake.reset());

describe('OpenAiProvider against an OpenAI-compatible server', () => {
  it('streams the deltas, then the usage the provider reported, last and once', async () => {
    const result = await run(provider(), ask('hello there'));
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('Echo: hello there');
    expect(result.deltas).toEqual(['Echo:', ' hello', ' there']);
    // The fake reports words + 4 per message as prompt, words sent as completion.
    expect(result.usage).toEqual({
      promptTokens: 6,
      completionTokens: 3,
      totalTokens: 9,
      estimated: false,
    });
    expect(result.events.filter((e) => e.type === 'usage')).toHaveLength(1);
    expect(result.events[result.events.length - 1].type).toBe('usage');
    await fake.waitFor(() => fake.completed === 1);
    expect(fake.aborted).toBe(0);
  });

  it('sends the model, the messages in order, max_tokens, stream options and the key', async () => {
    const messages: AiChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second question' },
    ];
    await run(provider(), messages, { maxOutputTokens: 77 });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.body).toEqual({
      model: 'gpt-test',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 77,
    });
  });

  it('sends no Authorization header when no key is configured', async () => {
    await run(provider({ apiKey: null }), ask('hi'));
    expect(fake.requests[0].headers.authorization).toBeUndefined();
  });

  it('counts the usage with the tokenizer when the provider reports none', async () => {
    fake.setMode('no-usage');
    fake.reply = 'Tokens are counted here instead.';
    const messages = ask('count this please');
    const result = await run(provider(), messages);
    expect(result.text).toBe('Tokens are counted here instead.');
    expect(result.usage).toEqual({
      promptTokens: tokens.countMessages(messages),
      completionTokens: tokens.countText('Tokens are counted here instead.'),
      totalTokens:
        tokens.countMessages(messages) +
        tokens.countText('Tokens are counted here instead.'),
      estimated: true,
    });
  });

  it('parses a stream cut into pieces of 1 to 7 bytes, with \\r\\n and keep-alives', async () => {
    fake.setMode('fragmented');
    fake.reply = 'Привет, мир! 🙂 Unicode 世界 survives cuts.';
    const result = await run(provider(), ask('x'));
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('Привет, мир! 🙂 Unicode 世界 survives cuts.');
    expect(result.usage?.estimated).toBe(false);
    expect(result.usage?.completionTokens).toBe(7);
  });

  it('waits as long as the pieces keep coming: the time-out is per wait, not per answer', async () => {
    fake.setMode('slow');
    fake.delayMs = 100;
    fake.reply = 'one two three four five six seven';
    // 7 pieces 100 ms apart: longer in all than the time-out, each wait shorter.
    expect(7 * fake.delayMs).toBeGreaterThan(TIMEOUT_MS);
    const result = await run(provider(), ask('x'));
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('one two three four five six seven');
  });

  describe('failures', () => {
    it('turns an HTTP 500 into AiProviderError (502) naming the status and the body', async () => {
      fake.setMode('fail');
      const { error, events } = await run(provider(), ask('hi'));
      expect(events).toEqual([]);
      expect(error).toBeInstanceOf(AiProviderError);
      const err = error as AiProviderError;
      expect(err.getStatus()).toBe(502);
      expect(err.code).toBe('AI_PROVIDER_ERROR');
      expect(err.getResponse()).toMatchObject({
        statusCode: 502,
        code: 'AI_PROVIDER_ERROR',
      });
      expect(err.upstreamStatus).toBe(500);
      expect(err.message).toContain('HTTP 500');
      expect(err.message).toContain('The fake model failed on purpose');
      expect(err.message).not.toContain(API_KEY);
    });

    it('never repeats the API key, even when the provider echoes it', async () => {
      fake.setMode('unauthorized');
      const { error } = await run(provider(), ask('hi'));
      expect(error).toBeInstanceOf(AiProviderError);
      const err = error as AiProviderError;
      expect(err.message).toContain('HTTP 401');
      expect(err.message).toContain('Incorrect API key provided');
      expect(err.message).not.toContain(API_KEY);
      expect(JSON.stringify(err.getResponse())).not.toContain(API_KEY);
    });

    it('turns a refused connection into AiProviderError', async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((r) => closed.close(() => r()));
      const { error } = await run(
        provider({ baseUrl: `http://127.0.0.1:${port}/v1` }),
        ask('hi'),
      );
      expect(error).toBeInstanceOf(AiProviderError);
      expect((error as Error).message).toContain('ECONNREFUSED');
    });

    it('times out with AiTimeoutError (504) when no answer comes, and aborts the request', async () => {
      fake.setMode('hang');
      const { error } = await run(provider(), ask('hi'));
      expect(error).toBeInstanceOf(AiTimeoutError);
      expect((error as AiTimeoutError).getStatus()).toBe(504);
      expect((error as AiTimeoutError).code).toBe('AI_PROVIDER_TIMEOUT');
      await fake.waitFor(() => fake.aborted === 1 && fake.open === 0);
    });

    it('times out when the stream stalls after it began, and aborts the request', async () => {
      fake.setMode('stall');
      const { error, text } = await run(provider(), ask('hello there'));
      expect(text).toBe('Echo:');
      expect(error).toBeInstanceOf(AiTimeoutError);
      await fake.waitFor(() => fake.aborted === 1 && fake.open === 0);
    });

    it('fails with AiProviderError when the connection drops mid-answer, keeping what arrived', async () => {
      fake.setMode('fail-mid-stream');
      const { error, text, usage } = await run(
        provider(),
        ask('one two three four'),
      );
      expect(text).toBe('Echo: one');
      expect(usage).toBeUndefined();
      expect(error).toBeInstanceOf(AiProviderError);
    });

    it('keeps a whole answer and the reported usage when the connection drops after the usage chunk', async () => {
      fake.setMode('drop-after-usage');
      fake.usage = { prompt_tokens: 11, completion_tokens: 3 };
      const { error, text, usage } = await run(provider(), ask('one two'));
      expect(error).toBeUndefined();
      expect(text).toBe('Echo: one two');
      expect(usage).toEqual({
        promptTokens: 11,
        completionTokens: 3,
        totalTokens: 14,
        estimated: false,
      });
    });

    it('fails with AiProviderError on an error chunk, naming its message', async () => {
      fake.setMode('error-chunk');
      const { error, text } = await run(provider(), ask('one two three four'));
      expect(text).toBe('Echo: one');
      expect(error).toBeInstanceOf(AiProviderError);
      expect((error as Error).message).toContain(
        'The fake model broke mid-answer',
      );
    });

    it('picks the mode from a marker in the last user message', async () => {
      const { error } = await run(provider(), ask('please [fake:fail]'));
      expect(error).toBeInstanceOf(AiProviderError);
      expect(fake.requests[0].mode).toBe('fail');
    });
  });

  describe('aborts', () => {
    it('aborts the upstream request when the caller aborts mid-stream', async () => {
      fake.setMode('slow');
      fake.delayMs = 50;
      fake.reply = 'one two three four five six seven eight nine ten';
      const controller = new AbortController();
      const { error, text } = await run(provider(), ask('x'), {
        signal: controller.signal,
        onDelta: () => controller.abort(),
      });
      expect(error).toBeInstanceOf(AiAbortedError);
      expect(text).toBe('one');
      await fake.waitFor(() => fake.aborted === 1 && fake.open === 0);
      expect(fake.completed).toBe(0);
    });

    it('aborts while waiting for the headers, as an abort rather than a time-out', async () => {
      fake.setMode('hang');
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const { error } = await run(provider(), ask('x'), {
        signal: controller.signal,
      });
      // An abort, not the time-out firing later.
      expect(error).toBeInstanceOf(AiAbortedError);
      await fake.waitFor(() => fake.aborted === 1 && fake.open === 0);
    });

    it('sends nothing when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const { error } = await run(provider(), ask('x'), {
        signal: controller.signal,
      });
      expect(error).toBeInstanceOf(AiAbortedError);
      expect(fake.requests).toHaveLength(0);
    });

    it('aborts the upstream request when the caller stops reading early', async () => {
      fake.setMode('slow');
      fake.delayMs = 50;
      fake.reply = 'one two three four five six';
      for await (const event of provider().stream({
        messages: ask('x'),
        maxOutputTokens: 100,
        promptTokens: 10,
        signal: new AbortController().signal,
      })) {
        expect(event).toEqual({ type: 'delta', content: 'one' });
        break;
      }
      await fake.waitFor(() => fake.aborted === 1 && fake.open === 0);
    });
  });
});

describe('OpenAiProvider against servers that bend the protocol', () => {
  async function withServer(
    handler: Parameters<typeof createServer>[1],
    test: (baseUrl: string) => Promise<void>,
  ): Promise<void> {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = server.address() as AddressInfo;
      await test(`http://127.0.0.1:${port}/v1`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  it('keeps a whole answer when the connection drops right after [DONE]', async () => {
    await withServer(
      (req, res) => {
        req.resume();
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(
          'data: {"choices":[{"index":0,"delta":{"content":"Done"}}]}\n\ndata: [DONE]\n\n',
        );
        setTimeout(() => res.socket?.destroy(), 20);
      },
      async (baseUrl) => {
        const result = await run(provider({ baseUrl }), ask('x'));
        expect(result.error).toBeUndefined();
        expect(result.text).toBe('Done');
        expect(result.usage?.estimated).toBe(true);
      },
    );
  });

  it('fails when the stream ends cleanly before the answer is complete', async () => {
    await withServer(
      (req, res) => {
        req.resume();
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end(
          'data: {"choices":[{"index":0,"delta":{"content":"Half"}}]}\n\n',
        );
      },
      async (baseUrl) => {
        const result = await run(provider({ baseUrl }), ask('x'));
        expect(result.text).toBe('Half');
        expect(result.error).toBeInstanceOf(AiProviderError);
        expect((result.error as Error).message).toContain(
          'before the answer was complete',
        );
      },
    );
  });

  it('takes a single JSON answer (stream: true ignored) as one delta and its usage', async () => {
    await withServer(
      (req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: 'All at once.' },
                  finish_reason: 'stop',
                },
              ],
              usage: {
                prompt_tokens: 5,
                completion_tokens: 3,
                total_tokens: 8,
              },
            }),
          );
        });
      },
      async (baseUrl) => {
        const result = await run(provider({ baseUrl }), ask('x'));
        expect(result.error).toBeUndefined();
        expect(result.deltas).toEqual(['All at once.']);
        expect(result.usage).toEqual({
          promptTokens: 5,
          completionTokens: 3,
          totalTokens: 8,
          estimated: false,
        });
      },
    );
  });
});

describe('OpenAiProvider: retries, token parameter, and what errors answer', () => {
  const fast = (overrides: Partial<OpenAiProviderConfig> = {}) =>
    new OpenAiProvider(
      {
        baseUrl: fake.url,
        apiKey: API_KEY,
        model: 'gpt-upstream-name',
        modelId: 'team-gpt',
        timeoutMs: TIMEOUT_MS,
        retryDelayMs: 10,
        ...overrides,
      },
      tokens,
    );

  it('sends the cap as max_completion_tokens when the connection says so', async () => {
    await run(
      new OpenAiProvider(
        {
          baseUrl: fake.url,
          apiKey: null,
          model: 'o-model',
          timeoutMs: TIMEOUT_MS,
          tokenParameter: 'max_completion_tokens',
        },
        tokens,
      ),
      ask('hi'),
      { maxOutputTokens: 33 },
    );
    expect(fake.requests[0].body.max_completion_tokens).toBe(33);
    expect(fake.requests[0].body).not.toHaveProperty('max_tokens');
  });

  it.each([503, 429, 500])(
    'retries an HTTP %i before the first byte, then answers',
    async (status) => {
      fake.failNext = 2;
      fake.failStatus = status;
      const result = await run(fast(), ask('again please'));
      expect(result.error).toBeUndefined();
      expect(result.text).toBe('Echo: again please');
      expect(fake.requests).toHaveLength(3);
    },
  );

  it('gives up after 2 retries with a 502 that names the model, not the address or the raw error', async () => {
    fake.failNext = 5;
    const { error } = await run(fast(), ask('hi'));
    expect(fake.requests).toHaveLength(3);
    expect(error).toBeInstanceOf(AiProviderError);
    const body = (error as AiProviderError).getResponse() as Record<
      string,
      unknown
    >;
    expect(body).toEqual({
      statusCode: 502,
      code: 'AI_PROVIDER_ERROR',
      message: 'The AI model "team-gpt" failed (HTTP 503)',
    });
    const port = new URL(fake.url).port;
    expect(JSON.stringify(body)).not.toContain(port);
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
    expect(JSON.stringify(body)).not.toContain('overloaded');
    // The log text keeps the detail.
    expect((error as Error).message).toContain('overloaded');
    expect((error as Error).message).toContain('127.0.0.1');
  });

  it('does not retry a 4xx other than 429', async () => {
    fake.setMode('unauthorized');
    const { error } = await run(fast(), ask('hi'));
    expect(error).toBeInstanceOf(AiProviderError);
    expect(fake.requests).toHaveLength(1);
  });

  it('honours Retry-After, and gives up at once when it asks for more than 10 s in all', async () => {
    fake.failNext = 1;
    fake.retryAfter = '0';
    const ok = await run(fast({ retryDelayMs: 60000 }), ask('hi'));
    expect(ok.error).toBeUndefined();
    expect(fake.requests).toHaveLength(2);

    fake.reset();
    fake.failNext = 1;
    fake.retryAfter = '11';
    const started = Date.now();
    const { error } = await run(fast(), ask('hi'));
    expect(error).toBeInstanceOf(AiProviderError);
    expect(fake.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('retries a refused connection, then answers 502 without the address', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const { error } = await run(
      fast({ baseUrl: `http://127.0.0.1:${port}/v1` }),
      ask('hi'),
    );
    expect(error).toBeInstanceOf(AiProviderError);
    expect((error as Error).message).toContain('ECONNREFUSED');
    const body = JSON.stringify((error as AiProviderError).getResponse());
    expect(body).toContain('team-gpt');
    expect(body).not.toContain(String(port));
    expect(body).not.toContain('ECONNREFUSED');
  });

  it('answers a time-out as a 504 that names the model only', async () => {
    fake.setMode('hang');
    const { error } = await run(fast(), ask('hi'));
    expect(error).toBeInstanceOf(AiTimeoutError);
    expect((error as AiTimeoutError).getResponse()).toEqual({
      statusCode: 504,
      code: 'AI_PROVIDER_TIMEOUT',
      message: 'The AI model "team-gpt" did not answer in time',
    });
    expect(fake.requests).toHaveLength(1);
  });

  it("lists the provider's models", async () => {
    fake.models = ['a', 'b'];
    expect(await fast().listModels()).toEqual(['a', 'b']);
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
  });
});
