import type { AiConfig } from '../../config/app-config';
import {
  AiAbortedError,
  type AiChatMessage,
  type AiProvider,
  type AiStreamEvent,
  type AiStreamRequest,
} from './ai-provider.port';
import type { AnswerLanguage } from './answer-language';
import { LOCAL_WORDS } from './local-words';
import type { TokenCounter } from './tokenizer';

/** Characters of the question quoted back at most. */
const QUOTE_CHARS = 600;
/** Words per streamed piece. */
const WORDS_PER_PIECE = 3;

/**
 * The built-in model (`AI_PROVIDER=local`, the default): no network and no
 * real language model. It answers every message with the same Markdown text
 * for the same conversation: what it is, how to connect a real provider, the
 * question quoted back and a few counts about it. Usage is counted with the
 * shared tokenizer, so it is exact for this model.
 */
export class LocalProvider implements AiProvider {
  readonly name = 'local';
  readonly model: string;
  readonly supportsTools = false;

  constructor(
    private readonly config: AiConfig,
    private readonly tokens: TokenCounter,
  ) {
    this.model = config.model;
  }

  async *stream(
    req: AiStreamRequest,
  ): AsyncGenerator<AiStreamEvent, void, undefined> {
    const { signal } = req;
    if (signal.aborted) throw new AiAbortedError();
    const whole = composeLocalAnswer(req.messages, this.tokens, req.language);
    const answer = this.tokens.truncate(whole, req.maxOutputTokens);
    const parts = splitIntoPieces(answer, WORDS_PER_PIECE);
    for (let i = 0; i < parts.length; i++) {
      if (i > 0 && this.config.localDelayMs > 0)
        await pause(this.config.localDelayMs, signal);
      if (signal.aborted) throw new AiAbortedError();
      yield { type: 'delta', content: parts[i] };
    }
    // Shortened to the cap: it ended there, as a provider's `length`.
    yield { type: 'finish', reason: answer === whole ? 'stop' : 'length' };
    const promptTokens = req.promptTokens;
    const completionTokens = this.tokens.countText(answer);
    yield {
      type: 'usage',
      usage: {
        promptTokens,
        completionTokens,
        totalTokens: promptTokens + completionTokens,
        estimated: false,
      },
    };
  }
}

/**
 * The whole answer to a conversation, before any `maxOutputTokens` cut, in
 * the user's language (English by default).
 */
export function composeLocalAnswer(
  messages: readonly AiChatMessage[],
  tokens: TokenCounter,
  language: AnswerLanguage = 'en',
): string {
  const w = LOCAL_WORDS[language];
  const numberFormat = numberFormatOf(w.locale);
  const n = (value: number) => numberFormat.format(value);
  const userMessages = messages.filter((m) => m.role === 'user');
  const question = userMessages[userMessages.length - 1]?.content ?? '';
  const out: string[] = [w.intro];

  if (question.trim() === '') {
    out.push(w.empty);
    return out.join('\n\n');
  }

  const chars = [...question];
  const shortened = chars.length > QUOTE_CHARS;
  const quoted = shortened
    ? `${chars.slice(0, QUOTE_CHARS).join('').trimEnd()} …`
    : question.trim();
  out.push(w.asked, quote(quoted));
  if (shortened) out.push(w.shortened(n(QUOTE_CHARS), n(chars.length)));

  const words = question.trim().split(/\s+/u);
  const lines = question.split(/\r\n|\r|\n/u).length;
  const facts = [
    `- **${w.words}:** ${n(words.length)}`,
    `- **${w.characters}:** ${n(chars.length)}`,
    `- **${w.lines}:** ${n(lines)}`,
    `- **${w.tokens}:** ${n(tokens.countText(question))}`,
  ];
  const frequent = frequentWords(question, 3);
  if (frequent.length > 0) {
    facts.push(
      `- **${w.frequent}:** ${frequent.map(([word, c]) => `${word} (${c})`).join(', ')}`,
    );
  }
  out.push(w.about, facts.join('\n'));

  const ordinal = userMessages.length;
  out.push(ordinal === 1 ? w.first : w.nth(n(ordinal)));
  return out.join('\n\n');
}

/** One number format per locale: making one costs more than the rest of an answer. */
const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormatOf(locale: string): Intl.NumberFormat {
  let f = numberFormats.get(locale);
  if (!f) numberFormats.set(locale, (f = new Intl.NumberFormat(locale)));
  return f;
}

/** Markdown block quote of a text, line by line. */
function quote(text: string): string {
  return text
    .split(/\r\n|\r|\n/u)
    .map((line) => (line.trim() === '' ? '>' : `> ${line}`))
    .join('\n');
}

/** The most frequent words of three letters or more, most frequent first, then in order of appearance. */
function frequentWords(text: string, count: number): Array<[string, number]> {
  const seen = new Map<string, number>();
  for (const match of text
    .toLowerCase()
    .matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu)) {
    if ([...match[0]].length < 3) continue;
    seen.set(match[0], (seen.get(match[0]) ?? 0) + 1);
  }
  // Map keeps insertion order, and the sort is stable: ties stay in order of appearance.
  return [...seen.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
}

/** Pieces of `words` words each (whitespace kept), which join back into `text`. */
export function splitIntoPieces(text: string, words: number): string[] {
  const tokens = text.match(/\s*\S+\s*/gu);
  if (!tokens) return text === '' ? [] : [text];
  const pieces: string[] = [];
  for (let i = 0; i < tokens.length; i += words)
    pieces.push(tokens.slice(i, i + words).join(''));
  return pieces;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new AiAbortedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AiAbortedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
