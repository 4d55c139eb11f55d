import { Injectable } from '@nestjs/common';
import { decode, encode } from 'gpt-tokenizer';
import type { AiChatMessage, AiUsage } from './ai-provider.port';

/**
 * `gpt-tokenizer`'s main entry is the o200k_base encoding (GPT-4o family),
 * with its vocabulary bundled: no network, no files.
 *
 * Special-token text such as `<|endoftext|>` in user input is counted as
 * ordinary text (the library throws on it by default).
 */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * Byte-pair merging is quadratic in the length of one pre-tokenized piece, and
 * a piece can be a whole run without spaces (32,000 CJK characters took about
 * 4 s in one piece). Runs of this many code points or more are cut into
 * slices of this size and counted slice by slice: exact for ordinary text,
 * within a token per slice for the pathological rest.
 */
const MAX_RUN = 64;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN},}|\\s{${MAX_RUN},}`, 'gu');
const SLICE = new RegExp(`[\\s\\S]{1,${MAX_RUN}}`, 'gu');

/** OpenAI's chat format: each message costs its role and content plus 3, the reply primer 3. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

function encodePlain(text: string): number[] {
  return text === '' ? [] : encode(text, AS_TEXT);
}

/** Tokens of `text`, bounded in time by cutting pathological runs (see `MAX_RUN`). */
export function tokenize(text: string): number[] {
  if (text.length < MAX_RUN) return encodePlain(text);
  const out: number[] = [];
  let last = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    const start = match.index ?? 0;
    for (const t of encodePlain(text.slice(last, start))) out.push(t);
    for (const slice of match[0].match(SLICE) ?? []) {
      for (const t of encodePlain(slice)) out.push(t);
    }
    last = start + match[0].length;
  }
  for (const t of encodePlain(text.slice(last))) out.push(t);
  return out;
}

/**
 * Counts of texts seen lately: a send counts its history again on every
 * send, and an answer's pieces recur. Exact (the encoding is fixed); texts
 * up to COUNTED_CHARS long, at most COUNTED_TEXTS of them, forgotten all at
 * once when full.
 */
const COUNTED_CHARS = 4096;
const COUNTED_TEXTS = 2000;
const counted = new Map<string, number>();

export function countTokens(text: string): number {
  if (text.length > COUNTED_CHARS) return tokenize(text).length;
  let n = counted.get(text);
  if (n === undefined) {
    n = tokenize(text).length;
    if (counted.size >= COUNTED_TEXTS) counted.clear();
    counted.set(text, n);
  }
  return n;
}

/**
 * Counts tokens the way OpenAI-compatible models do (o200k_base), for quota
 * estimates and for answers whose provider reported no usage.
 */
@Injectable()
export class TokenCounter {
  readonly encoding = 'o200k_base';

  /** Tokens of a plain text; 0 for an empty one. */
  countText(text: string): number {
    return countTokens(text);
  }

  /** Prompt tokens of a chat request, including the per-message overhead and the reply primer. */
  countMessages(messages: readonly AiChatMessage[]): number {
    let total = TOKENS_PER_REPLY;
    for (const m of messages)
      total +=
        TOKENS_PER_MESSAGE + countTokens(m.role) + countTokens(m.content);
    return total;
  }

  /**
   * Usage of an answer counted locally (`estimated: true`): for an answer cut
   * by an abort or an error, from the deltas received so far.
   */
  usageOf(messages: readonly AiChatMessage[], completion: string): AiUsage {
    const promptTokens = this.countMessages(messages);
    const completionTokens = this.countText(completion);
    return {
      promptTokens,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
      estimated: true,
    };
  }

  /**
   * The longest prefix of `text` that counts at most `maxTokens` tokens (whole
   * characters only: a multi-byte character is never split).
   */
  truncate(text: string, maxTokens: number): string {
    if (maxTokens <= 0) return '';
    if (countTokens(text) <= maxTokens) return text;
    const tokens = tokenize(text);
    if (tokens.length <= maxTokens) return text;
    for (let n = maxTokens; n > 0; n--) {
      const prefix = decode(tokens.slice(0, n));
      // A cut inside a multi-byte character decodes to U+FFFD and does not prefix the text.
      if (text.startsWith(prefix) && countTokens(prefix) <= maxTokens)
        return prefix;
    }
    return '';
  }
}
