import { Injectable, StreamableFile } from '@nestjs/common';
import type {
  UsageByModel,
  UsageHistory,
  UsageReport,
} from '@tally/api-contract';
import { Readable } from 'node:stream';
import { GroupsService } from '../groups/groups.service';
import { badInput, checkSpan, historyRange } from '../usage/history-range';
import { UsageReportService } from '../usage/usage-report.service';
import { UsageService } from '../usage/usage.service';
import { UsageExportService } from '../usage/usage-export.service';
import { UsageHistoryService } from '../usage/usage-history.service';
import { dayCsv, rangeCsv } from './usage-csv';
import type {
  UsageByModelQueryDto,
  UsageExportGroupQueryDto,
  UsageHistoryQueryDto,
  UsageReportQueryDto,
} from './dto/usage-query.dto';

/** Admin views of usage: the daily report, its history and the CSV export. */
@Injectable()
export class AdminUsageService {
  constructor(
    private readonly reports: UsageReportService,
    private readonly usage: UsageService,
    private readonly exports: UsageExportService,
    private readonly groups: GroupsService,
    private readonly histories: UsageHistoryService,
  ) {}

  /** One day's report; of a group's members (404 unknown group) and of one model, when asked. */
  async report(q: UsageReportQueryDto): Promise<UsageReport> {
    if (q.group_id !== undefined) await this.groups.get(q.group_id);
    const sort = q.sort ?? 'tokens';
    return this.reports.report({
      date: q.date,
      page: q.page ?? 1,
      pageSize: q.page_size ?? 50,
      sort,
      order:
        q.order ?? (sort === 'tokens' || sort === 'messages' ? 'desc' : 'asc'),
      search: q.search,
      groupId: q.group_id,
      model: q.model,
    });
  }

  /**
   * From `from` to `to` (default: the 30 days ending today); at most 366
   * days, else 400; of a group's members (404 unknown group) and of one
   * model, when asked, as the report.
   */
  async history(q: UsageHistoryQueryDto): Promise<UsageHistory> {
    const { from, to } = historyRange(
      q.from,
      q.to,
      (await this.usage.today()).day,
    );
    if (q.group_id !== undefined) await this.groups.get(q.group_id);
    return this.histories.history(from, to, q.user_id, {
      groupId: q.group_id,
      model: q.model,
    });
  }

  /** Settled usage of one day (default today) per model; of a group's members (404 unknown group) and of one model, when asked. */
  async byModel(q: UsageByModelQueryDto): Promise<UsageByModel> {
    if (q.group_id !== undefined) await this.groups.get(q.group_id);
    const day = q.date ?? (await this.usage.today()).day;
    return {
      date: day,
      items: await this.histories.byModel(day, {
        groupId: q.group_id,
        model: q.model,
      }),
    };
  }

  /**
   * The usage as CSV (UTF-8 with a BOM), streamed: the day's report (every
   * row), or with `from` and `to` one row per user per day with usage; of
   * a group's members only with `group_id` (404 unknown group).
   */
  async exportCsv(q: UsageExportGroupQueryDto): Promise<StreamableFile> {
    if (q.group_id !== undefined) await this.groups.get(q.group_id);
    let lines: AsyncGenerator<string>;
    let name: string;
    if (q.from !== undefined || q.to !== undefined) {
      if (q.date !== undefined)
        throw badInput('date cannot be combined with from and to');
      if (q.from === undefined || q.to === undefined)
        throw badInput('from and to go together');
      checkSpan(q.from, q.to);
      lines = rangeCsv(this.exports.rangeRows(q.from, q.to, q.group_id));
      name = `tally-usage-${q.from}_${q.to}.csv`;
    } else {
      const day = q.date ?? (await this.usage.today()).day;
      lines = dayCsv(this.reports.exportRows(day, q.group_id));
      name = `tally-usage-${day}.csv`;
    }
    return new StreamableFile(Readable.from(lines), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="${name}"`,
    });
  }
}
