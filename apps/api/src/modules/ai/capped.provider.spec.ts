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
  const seen = { cut: 0, excess: [] as number[] };
  const provider = new CappedProvider(
    new OpenAiProvider(
      { baseUrl: fake.url, apiKey: null, model: 'm', timeoutMs: 2000 },
      tokens,
    ),
    tokens,
    {
      cut: () => seen.cut++,
      excess: (excess) => seen.excess.push(excess),
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
    fake.usage = { prompt_tokens: 9, completion_tokens: 5000 };
    const { provider, seen } = capped();
    const result = await collectStream(
      provider,
      [{ role: 'user', content: 'x' }],
      { maxOutputTokens: 40 },
    );
    expect(result.text).toBe('short answer');
    expect(result.usage).toEqual({
      promptTokens: 9,
      completionTokens: 40,
      totalTokens: 49,
      estimated: false,
    });
    expect(seen.excess).toEqual([4960]);
    expect(seen.cut).toBe(0);
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
    expect(seen).toEqual({ cut: 0, excess: [] });
  });
});
