import { HttpStatus, Injectable, StreamableFile } from '@nestjs/common';
import {
  LIMITS,
  USAGE_EXPORT_COLUMNS,
  type UsageByModel,
  type UsageHistory,
  type UsageReport,
} from '@tally/api-contract';
import { Readable } from 'node:stream';
import { ApiError } from '../../common/api-error';
import { addDays, daysBetween } from '../usage/quota-day';
import { UsageReportService } from '../usage/usage-report.service';
import { UsageService } from '../usage/usage.service';
import { csvLine } from './csv';
import type {
  UsageHistoryQueryDto,
  UsageReportQueryDto,
} from './dto/usage-query.dto';

/** Days in the default history window. */
const HISTORY_DEFAULT_DAYS = 30;

/** Admin views of usage: the daily report, its history and the CSV export. */
@Injectable()
export class AdminUsageService {
  constructor(
    private readonly reports: UsageReportService,
    private readonly usage: UsageService,
  ) {}

  report(q: UsageReportQueryDto): Promise<UsageReport> {
    const sort = q.sort ?? 'tokens';
    return this.reports.report({
      date: q.date,
      page: q.page ?? 1,
      pageSize: q.page_size ?? 50,
      sort,
      order:
        q.order ?? (sort === 'tokens' || sort === 'messages' ? 'desc' : 'asc'),
      search: q.search,
    });
  }

  /** From `from` to `to` (default: the 30 days ending today); at most 366 days, else 400. */
  async history(q: UsageHistoryQueryDto): Promise<UsageHistory> {
    const to = q.to ?? (await this.usage.today()).day;
    const from = q.from ?? addDays(to, 1 - HISTORY_DEFAULT_DAYS);
    const days = daysBetween(from, to);
    if (days < 1) throw badInput('from must not be after to');
    if (days > LIMITS.historyDaysMax) {
      throw badInput(
        `from and to may span at most ${LIMITS.historyDaysMax} days, got ${days}`,
      );
    }
    return this.reports.history(from, to, q.user_id);
  }

  /** Settled usage of one day (default today) per model. */
  async byModel(date?: string): Promise<UsageByModel> {
    const day = date ?? (await this.usage.today()).day;
    return { date: day, items: await this.reports.byModel(day) };
  }

  /** The day's report as CSV, every row, streamed. */
  async exportCsv(date?: string): Promise<StreamableFile> {
    const day = date ?? (await this.usage.today()).day;
    const reports = this.reports;
    async function* lines(): AsyncGenerator<string> {
      yield csvLine(USAGE_EXPORT_COLUMNS);
      for await (const r of reports.exportRows(day)) {
        yield csvLine([
          r.user_id,
          r.email,
          r.name,
          r.messages,
          r.tokens,
          r.messages_limit,
          r.tokens_limit,
          dollars(r.cost ?? 0),
        ]);
      }
    }
    return new StreamableFile(Readable.from(lines()), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="tally-usage-${day}.csv"`,
    });
  }
}

const badInput = (message: string) =>
  new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message);

/** Whole micro-dollars as US dollars with 6 decimals, exactly: 1234567 → `1.234567`. */
export function dollars(microDollars: number): string {
  const n = Math.max(0, Math.round(microDollars));
  return `${Math.floor(n / 1000000)}.${String(n % 1000000).padStart(6, '0')}`;
}
