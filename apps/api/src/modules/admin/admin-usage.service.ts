import { HttpStatus, Injectable, StreamableFile } from '@nestjs/common';
import {
  LIMITS,
  type UsageByModel,
  type UsageHistory,
  type UsageReport,
} from '@tally/api-contract';
import { Readable } from 'node:stream';
import { ApiError } from '../../common/api-error';
import { addDays, daysBetween } from '../usage/quota-day';
import { UsageReportService } from '../usage/usage-report.service';
import { UsageService } from '../usage/usage.service';
import { UsageExportService } from '../usage/usage-export.service';
import { dayCsv, rangeCsv } from './usage-csv';
import type {
  UsageExportQueryDto,
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
    private readonly exports: UsageExportService,
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
    checkSpan(from, to);
    return this.reports.history(from, to, q.user_id);
  }

  /** Settled usage of one day (default today) per model. */
  async byModel(date?: string): Promise<UsageByModel> {
    const day = date ?? (await this.usage.today()).day;
    return { date: day, items: await this.reports.byModel(day) };
  }

  /**
   * The usage as CSV (UTF-8 with a BOM), streamed: the day's report (every
   * row), or with `from` and `to` one row per user per day with usage.
   */
  async exportCsv(q: UsageExportQueryDto): Promise<StreamableFile> {
    let lines: AsyncGenerator<string>;
    let name: string;
    if (q.from !== undefined || q.to !== undefined) {
      if (q.date !== undefined)
        throw badInput('date cannot be combined with from and to');
      if (q.from === undefined || q.to === undefined)
        throw badInput('from and to go together');
      checkSpan(q.from, q.to);
      lines = rangeCsv(this.exports.rangeRows(q.from, q.to));
      name = `tally-usage-${q.from}_${q.to}.csv`;
    } else {
      const day = q.date ?? (await this.usage.today()).day;
      lines = dayCsv(this.reports.exportRows(day));
      name = `tally-usage-${day}.csv`;
    }
    return new StreamableFile(Readable.from(lines), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="${name}"`,
    });
  }
}

/** `from` to `to` spans 1 to LIMITS.historyDaysMax days, else 400. */
function checkSpan(from: string, to: string): void {
  const days = daysBetween(from, to);
  if (days < 1) throw badInput('from must not be after to');
  if (days > LIMITS.historyDaysMax) {
    throw badInput(
      `from and to may span at most ${LIMITS.historyDaysMax} days, got ${days}`,
    );
  }
}

const badInput = (message: string) =>
  new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message);
