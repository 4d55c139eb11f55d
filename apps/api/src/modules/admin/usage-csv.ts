import {
  USAGE_EXPORT_COLUMNS,
  USAGE_RANGE_EXPORT_COLUMNS,
  type UsageReportItem,
} from '@tally/api-contract';
import type { UsageDayRow } from '../usage/usage-export.service';
import { csvLine } from './csv';

/** Excel reads a CSV as UTF-8 (Cyrillic names included) only when it starts with a byte order mark. */
export const UTF8_BOM = '\uFEFF';

type Cell = string | number;

/**
 * How each column of the export is written. Adding a column takes a name in
 * `USAGE_EXPORT_COLUMNS` (the contract) and its cell here; the type keeps
 * the two in step.
 */
const CELLS: Record<
  (typeof USAGE_EXPORT_COLUMNS)[number],
  (r: UsageReportItem) => Cell
> = {
  user_id: (r) => r.user_id,
  email: (r) => r.email,
  name: (r) => r.name,
  messages: (r) => r.messages,
  tokens: (r) => r.tokens,
  messages_limit: (r) => r.messages_limit,
  tokens_limit: (r) => r.tokens_limit,
  cost_usd: (r) => dollars(r.cost ?? 0),
};

/** Whole micro-dollars as US dollars with 6 decimals, exactly: 1234567 → `1.234567`. */
export function dollars(microDollars: number): string {
  const n = Math.max(0, Math.round(microDollars));
  return `${Math.floor(n / 1000000)}.${String(n % 1000000).padStart(6, '0')}`;
}

/** A day's export: the BOM and header, then a line per row. */
export async function* dayCsv(
  rows: AsyncIterable<UsageReportItem>,
): AsyncGenerator<string> {
  yield UTF8_BOM + csvLine(USAGE_EXPORT_COLUMNS);
  for await (const r of rows)
    yield csvLine(USAGE_EXPORT_COLUMNS.map((c) => CELLS[c](r)));
}

/** A date range's export: the same with `date` first, a line per user per day. */
export async function* rangeCsv(
  rows: AsyncIterable<UsageDayRow>,
): AsyncGenerator<string> {
  yield UTF8_BOM + csvLine(USAGE_RANGE_EXPORT_COLUMNS);
  for await (const r of rows)
    yield csvLine([r.date, ...USAGE_EXPORT_COLUMNS.map((c) => CELLS[c](r))]);
}
