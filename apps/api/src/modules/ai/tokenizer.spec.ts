import { decode, encode } from 'gpt-tokenizer';
import { countTokens, TokenCounter, tokenize } from './tokenizer';

describe('TokenCounter', () => {
  const tokens = new TokenCounter();

  it('counts o200k_base tokens of ordinary text exactly', () => {
    const text =
      'Hello, world! How many tokens is this sentence? Привет, мир. 你好，世界。 🙂';
    expect(tokens.countText(text)).toBe(encode(text).length);
    expect(tokens.countText('hello world')).toBe(2);
    expect(tokens.countText('')).toBe(0);
  });

  it('stays exact on long ordinary text', () => {
    const text =
      'The quota resets at midnight in the configured time zone. '.repeat(500);
    expect(tokens.countText(text)).toBe(encode(text).length);
  });

  it('counts special-token text as ordinary text instead of throwing', () => {
    expect(() => encode('<|endoftext|>')).toThrow();
    expect(tokens.countText('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('counts chat messages with the per-message overhead and the reply primer', () => {
    const messages = [
      { role: 'system' as const, content: 'You are helpful.' },
      { role: 'user' as const, content: 'hello world' },
    ];
    // 3 per message + role (1 token each) + content, plus 3 for the reply.
    const expected =
      3 + (3 + 1 + countTokens('You are helpful.')) + (3 + 1 + 2);
    expect(tokens.countMessages(messages)).toBe(expected);
    expect(tokens.countMessages([])).toBe(3);
  });

  it('builds an estimated usage from the prompt estimate and a partial answer', () => {
    expect(tokens.usageOf(17, 'hello world')).toEqual({
      promptTokens: 17,
      completionTokens: 2,
      totalTokens: 19,
      estimated: true,
    });
  });

  describe('on 32,000-character inputs', () => {
    let seed = 7;
    const random = (alphabet: string) =>
      Array.from({ length: 32000 }, () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return alphabet[seed % alphabet.length];
      }).join('');
    // Speed belongs in a benchmark, not here; this checks that long runs are cut into
    // bounded slices and still counted.
    const timed = (text: string) => ({ count: tokens.countText(text) });

    // Unbounded byte-pair merging takes 0.3 s to 0.5 s on each of these (3 s on the CJK one below).
    it.each([
      ['one letter repeated', 'a'.repeat(32000)],
      ['spaces only', ' '.repeat(32000)],
      ['punctuation only', '!'.repeat(32000)],
      ['random letters, no spaces', random('abcdefghijklmnopqrstuvwxyz')],
      [
        'ordinary words',
        'lorem ipsum dolor sit amet '.repeat(1200).slice(0, 32000),
      ],
    ])('counts long runs: %s', (_name, text) => {
      const { count } = timed(text);
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThanOrEqual(text.length);
    });

    it('counts CJK text without punctuation', () => {
      const { count } = timed(
        random(
          '的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起',
        ),
      );
      expect(count).toBeGreaterThan(20000);
    });
  });

  it('keeps the pieces of a long run in order (decoding gives the text back)', () => {
    const text = `start ${'x'.repeat(300)} ${'世界'.repeat(100)} end`;
    expect(decode(tokenize(text))).toBe(text);
  });

  describe('truncate', () => {
    it('returns the text unchanged when it fits', () => {
      expect(tokens.truncate('hello world', 2)).toBe('hello world');
      expect(tokens.truncate('hello world', 5)).toBe('hello world');
    });

    it('cuts to at most maxTokens tokens, as a prefix', () => {
      const text = 'one two three four five six seven eight nine ten';
      const cut = tokens.truncate(text, 4);
      expect(cut).toBe('one two three four');
      expect(tokens.countText(cut)).toBe(4);
      expect(tokens.truncate(text, 0)).toBe('');
    });

    it('never splits a multi-byte character', () => {
      const text = '🙂🙂🙂 héllo 世界世界';
      for (let max = 1; max <= tokens.countText(text); max++) {
        const cut = tokens.truncate(text, max);
        expect(text.startsWith(cut)).toBe(true);
        expect(cut).not.toContain('\uFFFD');
        expect(tokens.countText(cut)).toBeLessThanOrEqual(max);
      }
    });
  });
});
