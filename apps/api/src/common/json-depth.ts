/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/** Thrown by `checkJsonDepth`; create-app.ts answers it with 400 `JSON_TOO_DEEP`. */
export class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly code = 'JSON_TOO_DEEP';
  constructor(readonly limit: number) {
    super(`The request body is nested deeper than ${limit} levels`);
    this.name = 'JsonTooDeepError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Throws `JsonTooDeepError` when the raw JSON text nests arrays or objects
 * deeper than `limit`, before it is parsed: one pass over the bytes, no
 * recursion, brackets inside strings ignored. Malformed text is left for the
 * parser to refuse.
 */
export function checkJsonDepth(raw: Uint8Array, limit = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) throw new JsonTooDeepError(limit);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
}
