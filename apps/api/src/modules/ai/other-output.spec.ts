import type { ServerResponse } from 'node:http';
import { collectStream } from '../../../test/support/ai-stream';
import {
  type ScriptedServer,
  startScriptedServer,
} from '../../../test/support/scripted-server';
import { CappedProvider } from './capped.provider';
import { OpenAiProvider } from './openai.provider';
import { countTokens } from './token-count';
import { TokenCounter } from './tokenizer';

/**
 * Output in fields other than an answer's text and tool calls (reasoning,
 * a refusal, a legacy `function_call`) is billed by providers as output: it
 * counts toward the cap, is cut there, and is charged when the provider
 * reports no usage.
 */
const tokens = new TokenCounter();
let server: ScriptedServer;

const WORDS = Array.from({ length: 300 }, (_, i) => `think${i} `);

/** Streams one chunk per piece, each `{[field]: piece}` in its delta; then a finish reason and `[DONE]` unless `stall`. */
function stream(
  res: ServerResponse,
  pieces: Record<string, unknown>[],
  opts: { stall?: boolean; finish?: string } = {},
) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (data: unknown) =>
    res.write(`data: ${JSON.stringify(data)}\n\n`);
  for (const delta of pieces)
    send({ choices: [{ index: 0, delta, finish_reason: null }] });
  if (opts.stall) return;
  send({
    choices: [{ index: 0, delta: {}, finish_reason: opts.finish ?? 'stop' }],
  });
  res.end('data: [DONE]\n\n');
}

function capped() {
  const seen = { cut: 0 };
  const provider = new CappedProvider(
    new OpenAiProvider(
      { baseUrl: server.url, apiKey: null, model: 'm', timeoutMs: 5000 },
      tokens,
    ),
    tokens,
    {
      cut: () => seen.cut++,
      excess: () => undefined,
      overHold: () => undefined,
    },
  );
  return { provider, seen };
}

const messages = [{ role: 'user' as const, content: 'think hard' }];
const passthrough = { messages, fields: {} };

beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

describe('output besides text and tool calls', () => {
  it('cuts reasoning at the cap with the text, and charges the cap', async () => {
    server.handle = (_req, res) =>
      stream(res, [
        ...WORDS.map((w) => ({ reasoning_content: w })),
        { content: 'the answer' },
      ]);
    const { provider, seen } = capped();
    const result = await collectStream(provider, messages, {
      maxOutputTokens: 40,
      promptTokens: 100,
      passthrough,
    });
    const reasoning = result.events
      .map((e) => (e.type === 'other' ? e.text : ''))
      .join('');
    expect(countTokens(reasoning)).toBeLessThanOrEqual(40);
    expect(countTokens(reasoning)).toBeGreaterThan(30);
    expect(result.text).toBe('');
    expect(result.usage).toEqual({
      promptTokens: 100,
      completionTokens: 40,
      totalTokens: 140,
      estimated: true,
    });
    expect(seen.cut).toBe(1);
  });

  it('counts a legacy function call and a refusal as output when the provider reports no usage', async () => {
    server.handle = (_req, res) =>
      stream(
        res,
        [
          { function_call: { name: 'lookup', arguments: '' } },
          { function_call: { arguments: '{"q": "alpha beta gamma"}' } },
          { refusal: 'I cannot help with that part.' },
        ],
        { finish: 'function_call' },
      );
    const { provider } = capped();
    const result = await collectStream(provider, messages, {
      maxOutputTokens: 500,
      promptTokens: 100,
      passthrough,
    });
    const others = result.events.filter((e) => e.type === 'other');
    expect(others.map((e) => e.type === 'other' && e.field)).toEqual([
      'function_call',
      'function_call',
      'refusal',
    ]);
    expect(result.usage).toEqual({
      promptTokens: 100,
      completionTokens: countTokens(
        'lookup{"q": "alpha beta gamma"}I cannot help with that part.',
      ),
      totalTokens: expect.any(Number),
      estimated: true,
    });
  });

  it('treats an answer whose stream breaks after a usage chunk but before its finish as broken, not whole', async () => {
    server.handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'partial answer' } }], usage: { prompt_tokens: 3, completion_tokens: 1 } })}\n\n`,
      );
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const { provider } = capped();
    const result = await collectStream(provider, messages, {
      maxOutputTokens: 500,
      promptTokens: 100,
      passthrough,
    });
    expect(result.text).toBe('partial answer');
    expect(result.error).toBeDefined();
  });
});
