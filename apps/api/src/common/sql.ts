/** Escapes `%`, `_` and `\` so a search term matches literally inside a LIKE/ILIKE pattern. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** The SQLSTATE of a failed statement (PostgreSQL and PGlite both report it). */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: string; driverError?: { code?: string } };
  return e?.driverError?.code ?? e?.code;
}
