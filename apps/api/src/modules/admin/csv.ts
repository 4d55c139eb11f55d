/**
 * CSV (RFC 4180) that spreadsheets cannot turn into formulas: a text cell
 * starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'`
 * in front (OWASP's advice), then any cell with a comma, a quote or a line
 * break is quoted, quotes doubled. Lines end with CRLF.
 */
export function csvCell(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: ReadonlyArray<string | number>): string {
  return values.map(csvCell).join(',') + '\r\n';
}
