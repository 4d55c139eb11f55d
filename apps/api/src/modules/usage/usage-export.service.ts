import { Injectable } from '@nestjs/common';
import type { UsageReportItem } from '@tally/api-contract';
import { DatabaseService } from '../../database/database.service';
import { DEFAULTS_JOIN } from './limits.sql';
import { memberOf, params } from './usage-filters';
import { item, itemColumns } from './usage-report.service';
import { UsageService } from './usage.service';

const BATCH = 1000;

/** A row of a date range's export: one user's usage on one day. */
export interface UsageDayRow extends UsageReportItem {
  date: string;
}

type Row = UsageDayRow & { email_key: string };

/** The rows of a date range's CSV export, streamed in batches. */
@Injectable()
export class UsageExportService {
  constructor(
    private readonly db: DatabaseService,
    private readonly usage: UsageService,
  ) {}

  /**
   * One row per user per day with usage (messages or tokens above 0), from
   * `from` to `to` included (of a group's members only, with `groupId`),
   * by day then email; limits as they are now (grants in force included).
   * Keyset pages keep memory constant for any number of rows.
   */
  async *rangeRows(
    from: string,
    to: string,
    groupId?: string,
  ): AsyncGenerator<UsageDayRow> {
    const at = new Date((await this.usage.context()).now).toISOString();
    let after: { day: string; email: string; id: string } | null = null;
    for (;;) {
      const q = params([from, to, BATCH, at]);
      const members = memberOf(groupId, 'u.id', q.p);
      const keyset = after
        ? ` AND (d.day, lower(u.email), u.id) > (${q.p(after.day)}::date, ${q.p(after.email)}, ${q.p(after.id)}::uuid)`
        : '';
      const rows = await this.db.query<Row>(
        `SELECT to_char(d.day, 'YYYY-MM-DD') AS date, ${itemColumns('$4')}, lower(u.email) AS email_key
         FROM usage_daily d JOIN users u ON u.id = d.user_id
         ${DEFAULTS_JOIN}
         WHERE d.day BETWEEN $1::date AND $2::date
           AND (d.messages > 0 OR d.tokens > 0)${members}${keyset}
         ORDER BY d.day, lower(u.email), u.id
         LIMIT $3`,
        q.values,
      );
      for (const r of rows) yield { date: r.date, ...item(r) };
      if (rows.length < BATCH) return;
      const last = rows[rows.length - 1];
      after = { day: last.date, email: last.email_key, id: last.user_id };
    }
  }
}
