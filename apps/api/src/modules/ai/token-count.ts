import { encode } from 'gpt-tokenizer';

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
