import type { AiConfig } from '../../config/app-config';
import {
  AiAbortedError,
  type AiChatMessage,
  type AiProvider,
} from './ai-provider.port';
import { collectStream } from '../../../test/support/ai-stream';
import {
  composeLocalAnswer,
  LocalProvider,
  splitIntoPieces,
} from './local.provider';
import { TokenCounter } from './tokenizer';
import { answerLanguage } from './answer-language';

const tokens = new TokenCounter();

function provider(localDelayMs = 0): LocalProvider {
  const config: AiConfig = {
    provider: 'local',
    baseUrl: 'http://127.0.0.1:9/v1',
    apiKey: null,
    model: 'tally-local',
    timeoutMs: 1000,
    systemPrompt: null,
    maxOutputTokens: 1024,
    contextTokens: 8192,
    localDelayMs,
  };
  return new LocalProvider(config, tokens);
}

/** Runs a stream to its end or its error; what arrived before an error is kept. */
const run = (
  p: AiProvider,
  messages: AiChatMessage[],
  opts: Partial<Parameters<typeof collectStream>[2]> = {},
) => collectStream(p, messages, { maxOutputTokens: 1024, ...opts });

const conversation: AiChatMessage[] = [
  { role: 'system', content: 'You are Tally.' },
  { role: 'user', content: 'What is the capital of France?' },
  { role: 'assistant', content: 'Paris.' },
  {
    role: 'user',
    content: 'How do quotas reset in Tally? Do quotas reset at midnight?',
  },
];

describe('LocalProvider', () => {
  it('says what it is and quotes the last question back, in Markdown', async () => {
    const { text, error } = await run(provider(), conversation);
    expect(error).toBeUndefined();
    expect(text).toContain("Tally's built-in local model");
    expect(text).toContain('no network');
    expect(text).toContain('AI_PROVIDER=openai');
    expect(text).toContain(
      '> How do quotas reset in Tally? Do quotas reset at midnight?',
    );
    expect(text).not.toContain('capital of France');
    expect(text).toContain('- **Words:** 11');
    expect(text).toContain('- **Characters:** 58');
    expect(text).toContain(
      `- **Tokens:** ${tokens.countText(conversation[3].content)}`,
    );
    expect(text).toContain(
      '- **Most frequent words:** quotas (2), reset (2), how (1)',
    );
    expect(text).toContain('This is message 2 of yours in our conversation.');
  });

  it('answers the same conversation with the same text, in the same pieces', async () => {
    const first = await run(provider(), conversation);
    const second = await run(provider(), conversation);
    expect(second.deltas).toEqual(first.deltas);
    expect(first.text).toBe(composeLocalAnswer(conversation, tokens));
    expect(first.deltas.length).toBeGreaterThan(10);
    for (const piece of first.deltas) {
      expect(piece.trim().split(/\s+/).length).toBeLessThanOrEqual(3);
    }
  });

  it('quotes every line of a multi-line question and shortens a very long one', async () => {
    const multi = await run(provider(), [
      { role: 'user', content: 'line one\n\nline three' },
    ]);
    expect(multi.text).toContain('> line one\n>\n> line three');
    expect(multi.text).toContain('- **Lines:** 3');

    const long = `${'word '.repeat(2000)}END`;
    const shortened = await run(provider(), [{ role: 'user', content: long }]);
    expect(shortened.text).not.toContain('END');
    expect(shortened.text).toContain(
      'The quote shows the first 600 of 10,003 characters.',
    );
    expect(shortened.text).toContain('- **Words:** 2,001');
    expect(shortened.text.length).toBeLessThan(2000);
  });

  it('answers an empty message without quoting anything', async () => {
    const { text, usage } = await run(provider(), [
      { role: 'user', content: '   ' },
    ]);
    expect(text).toContain("Tally's built-in local model");
    expect(text).toContain('Your message was empty');
    expect(text).not.toContain('>');
    expect(usage?.completionTokens).toBe(tokens.countText(text));
  });

  it('reports usage counted with the tokenizer, once and last', async () => {
    const { text, usage, events } = await run(provider(), conversation);
    expect(usage).toEqual({
      promptTokens: tokens.countMessages(conversation),
      completionTokens: tokens.countText(text),
      totalTokens: tokens.countMessages(conversation) + tokens.countText(text),
      estimated: false,
    });
    expect(events.filter((e) => e.type === 'usage')).toHaveLength(1);
  });

  it.each([1, 2, 7, 25, 60])(
    'stops at maxOutputTokens = %i tokens',
    async (max) => {
      const full = composeLocalAnswer(conversation, tokens);
      expect(tokens.countText(full)).toBeGreaterThan(60);
      const { text, usage } = await run(provider(), conversation, {
        maxOutputTokens: max,
      });
      expect(full.startsWith(text)).toBe(true);
      expect(tokens.countText(text)).toBe(max);
      expect(usage?.completionTokens).toBe(max);
    },
  );

  it('streams in several pieces', async () => {
    const { deltas } = await run(provider(1), conversation, {
      maxOutputTokens: 30,
    });
    expect(deltas.length).toBeGreaterThanOrEqual(4);
  });

  it('stops promptly with AiAbortedError when the signal aborts during a pause', async () => {
    const controller = new AbortController();
    // A 10-minute pause between pieces: only a prompt reaction to the abort lets this test finish.
    const result = await run(provider(600000), conversation, {
      signal: controller.signal,
      onDelta: () => setTimeout(() => controller.abort(), 20),
    });
    expect(result.error).toBeInstanceOf(AiAbortedError);
    expect(result.deltas).toHaveLength(1);
    expect(result.usage).toBeUndefined();
  });

  it('stops between pieces when the signal aborts without a delay', async () => {
    const controller = new AbortController();
    let seen = 0;
    const result = await run(provider(0), conversation, {
      signal: controller.signal,
      onDelta: () => {
        if (++seen === 3) controller.abort();
      },
    });
    expect(result.error).toBeInstanceOf(AiAbortedError);
    expect(result.deltas).toHaveLength(3);
  });

  it('answers nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await run(provider(), conversation, {
      signal: controller.signal,
    });
    expect(result.error).toBeInstanceOf(AiAbortedError);
    expect(result.events).toEqual([]);
  });
});

describe('splitIntoPieces', () => {
  it('cuts text into pieces of a few words that join back into it', () => {
    const text =
      '  Hello there, **world**!\n\n> quoted line\n- item one\n- item two  ';
    const pieces = splitIntoPieces(text, 3);
    expect(pieces.join('')).toBe(text);
    expect(pieces[0]).toBe('  Hello there, **world**!\n\n');
    expect(splitIntoPieces('', 3)).toEqual([]);
    expect(splitIntoPieces('   ', 3)).toEqual(['   ']);
  });
});

describe('the local model in the user language', () => {
  const conversation = [
    { role: 'user' as const, content: 'Привет, мир! Привет!' },
  ];

  it('answers in Russian when asked to, with Russian number formats', () => {
    const text = composeLocalAnswer(conversation, tokens, 'ru');
    expect(text).toContain('встроенная локальная модель Tally');
    expect(text).toContain('Вы спросили:');
    expect(text).toContain('- **Слов:** 3');
    expect(text).toContain('Это первое сообщение нашего разговора.');
    expect(text).not.toMatch(/You asked|Words:/);
    const long = composeLocalAnswer(
      [{ role: 'user', content: 'а'.repeat(1234) }],
      tokens,
      'ru',
    );
    expect(long).toContain('1\u00a0234');
  });

  it('answers in English by default', () => {
    expect(composeLocalAnswer(conversation, tokens)).toContain('You asked:');
  });
});

describe('answerLanguage', () => {
  it('takes the supported language with the highest weight, English otherwise', () => {
    expect(answerLanguage('ru-RU,ru;q=0.9,en-US;q=0.8')).toBe('ru');
    expect(answerLanguage('ru')).toBe('ru');
    expect(answerLanguage('de-DE, en;q=0.5, ru;q=0.7')).toBe('ru');
    expect(answerLanguage('en, ru;q=0.9')).toBe('en');
    expect(answerLanguage('ru;q=0, de')).toBe('en');
    expect(answerLanguage('fr')).toBe('en');
    expect(answerLanguage(undefined)).toBe('en');
  });
});
