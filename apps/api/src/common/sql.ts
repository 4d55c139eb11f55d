/** Escapes `%`, `_` and `\` so a search term matches literally inside a LIKE/ILIKE pattern. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}
