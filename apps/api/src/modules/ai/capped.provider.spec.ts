import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../../../test/support/fake-openai-server';
import { collectStream } from '../../../test/support/ai-stream';
import { CappedProvider } from './capped.provider';
import { OpenAiProvider } from './openai.provider';
import { TokenCounter } from './tokenizer';

const tokens = new TokenCounter();
let fake: FakeOpenAi;

beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

function capped() {
  const seen = {
    cut: 0,
    excess: [] as number[],
    overHold: [] as [string, number][],
  };
  const provider = new CappedProvider(
    new OpenAiProvider(
      { baseUrl: fake.url, apiKey: null, model: 'm', timeoutMs: 2000 },
      tokens,
    ),
    tokens,
    {
      cut: () => seen.cut++,
      excess: (excess) => seen.excess.push(excess),
      overHold: (kind, excess) => seen.overHold.push([kind, excess]),
    },
  );
  return { provider, seen };
}

const LONG = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');

describe('CappedProvider: the hard output cap', () => {
  it('cuts a provider that ignores the cap at exactly the cap, charges the cap and aborts upstream', async () => {
    fake.ignoreMaxTokens = true;
    fake.setMode('slow');
    fake.delayMs = 1;
    fake.reply = LONG;
    const { provider, seen } = capped();
    const messages = [{ role: 'user' as const, content: 'talk' }];
    const result = await collectStream(provider, messages, {
      maxOutputTokens: 25,
    });
    expect(result.error).toBeUndefined();
    expect(tokens.countText(result.text)).toBe(25);
    expect(LONG.startsWith(result.text)).toBe(true);
    expect(result.usage).toEqual({
      promptTokens: tokens.countMessages(messages),
      completionTokens: 25,
      totalTokens: tokens.countMessages(messages) + 25,
      estimated: true,
    });
    expect(seen.cut).toBe(1);
    await fake.waitFor(() => fake.aborted === 1 && fake.open === 0);
  });

  it('charges the cap when the provider reports more completion tokens than it', async () => {
    fake.reply = 'short answer';
    fake.usage = { prompt_tokens: 5, completion_tokens: 5000 };
    const { provider, seen } = capped();
    const result = await collectStream(
      provider,
      [{ role: 'user', content: 'x' }],
      { maxOutputTokens: 40 },
    );
    expect(result.text).toBe('short answer');
    expect(result.usage).toEqual({
      promptTokens: 5,
      completionTokens: 40,
      totalTokens: 45,
      estimated: false,
    });
    expect(seen.excess).toEqual([4960]);
    expect(seen.overHold).toEqual([['completion', 4960]]);
    expect(seen.cut).toBe(0);
  });

  it('charges the prompt estimate held when the provider reports more prompt tokens than it', async () => {
    fake.reply = 'short answer';
    fake.usage = { prompt_tokens: 90_000, completion_tokens: 2 };
    const { provider, seen } = capped();
    const result = await collectStream(
      provider,
      [{ role: 'user', content: 'x' }],
      { maxOutputTokens: 40, promptTokens: 120 },
    );
    expect(result.usage).toEqual({
      promptTokens: 120,
      completionTokens: 2,
      totalTokens: 122,
      estimated: false,
    });
    expect(seen.overHold).toEqual([['prompt', 89_880]]);
  });

  it('counts tool calls toward the cap: a call past it is cut there and charged the cap', async () => {
    fake.ignoreMaxTokens = true;
    const args = JSON.stringify({ q: LONG.repeat(8) });
    fake.toolCalls = [{ id: 'call_1', name: 'lookup', arguments: args }];
    const { provider, seen } = capped();
    const messages = [{ role: 'user' as const, content: 'find it' }];
    const tools = [
      { type: 'function', function: { name: 'lookup', parameters: {} } },
    ];
    const result = await collectStream(provider, messages, {
      maxOutputTokens: 30,
      promptTokens: 500,
      passthrough: { messages, fields: { tools } },
    });
    expect(result.error).toBeUndefined();
    const calls = result.events.flatMap((e) =>
      e.type === 'tool_calls' ? e.toolCalls : [],
    ) as { function?: { name?: string; arguments?: string } }[];
    const sent = calls
      .map((c) => (c.function?.name ?? '') + (c.function?.arguments ?? ''))
      .join('');
    expect(tokens.countText(sent)).toBeLessThanOrEqual(30);
    expect(tokens.countText(sent)).toBeGreaterThan(20);
    expect(args.startsWith(sent.slice('lookup'.length))).toBe(true);
    expect(result.events).toContainEqual({ type: 'finish', reason: 'length' });
    expect(result.usage).toEqual({
      promptTokens: 500,
      completionTokens: 30,
      totalTokens: 530,
      estimated: true,
    });
    expect(seen.cut).toBe(1);
  });

  it('counts every call of an answer toward one cap: whole calls that fit, the rest cut', async () => {
    fake.ignoreMaxTokens = true;
    fake.toolCalls = [
      { id: 'call_1', name: 'lookup', arguments: '{"q": "a b c"}' },
      { id: 'call_2', name: 'lookup', arguments: JSON.stringify({ q: LONG }) },
    ];
    const { provider, seen } = capped();
    const messages = [{ role: 'user' as const, content: 'find it' }];
    const result = await collectStream(provider, messages, {
      maxOutputTokens: 40,
      passthrough: {
        messages,
        fields: { tools: [{ type: 'function', function: { name: 'lookup' } }] },
      },
    });
    const calls = result.events.flatMap((e) =>
      e.type === 'tool_calls' ? e.toolCalls : [],
    ) as { function?: { name?: string; arguments?: string } }[];
    const sent = calls
      .map((c) => (c.function?.name ?? '') + (c.function?.arguments ?? ''))
      .join('');
    expect(tokens.countText(sent)).toBeLessThanOrEqual(40);
    expect(sent).toContain('{"q": "a b c"}');
    expect(result.usage?.completionTokens).toBe(40);
    expect(seen.cut).toBe(1);
  });

  it('passes an answer within the cap through untouched', async () => {
    const { provider, seen } = capped();
    const result = await collectStream(
      provider,
      [{ role: 'user', content: 'a b c' }],
      { maxOutputTokens: 40 },
    );
    expect(result.text).toBe('Echo: a b c');
    expect(result.usage?.completionTokens).toBe(4);
    expect(seen).toEqual({ cut: 0, excess: [], overHold: [] });
  });
});
