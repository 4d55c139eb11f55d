import { Injectable } from '@nestjs/common';
import type {
  SortOrder,
  UsageReport,
  UsageReportItem,
  UsageSortField,
} from '@tally/api-contract';
import { DatabaseService } from '../../database/database.service';
import { escapeLike } from '../../common/sql';
import { DEFAULTS_JOIN, limitColumns } from './limits.sql';
import { memberOf, params, usageRows } from './usage-filters';
import { UsageService } from './usage.service';

export interface UsageReportOptions {
  /** YYYY-MM-DD; default today in quota_timezone. */
  date?: string;
  page: number;
  pageSize: number;
  sort: UsageSortField;
  order: SortOrder;
  search?: string;
  /** Only this group's members (the caller checks that it exists). */
  groupId?: string;
  /** Only this model's usage. */
  model?: string;
}

/** Rows of the report: active users, and anyone with usage on the day. */
const REPORT_FROM = `
  FROM users u
  ${DEFAULTS_JOIN}
  LEFT JOIN usage_daily d ON d.user_id = u.id AND d.day = $1::date
  WHERE (u.is_active OR d.messages > 0 OR d.tokens > 0)`;

/**
 * A report row's columns; the limits with the grants in force at `now`
 * (the parameter holding it, e.g. `$4`), as the user's quota shows them.
 */
export const itemColumns = (now: string) => `
  u.id AS user_id, u.email, u.name,
  coalesce(d.messages, 0) AS messages, coalesce(d.tokens, 0)::bigint AS tokens,
  coalesce(d.cost, 0)::bigint AS cost,
  ${limitColumns('u', `${now}::timestamptz`)}`;

/** The other counter, for the rows where the sorted one is 0. */
const OTHER = { tokens: 'messages', messages: 'tokens' } as const;

const EXPORT_BATCH = 1000;

interface ReportPage {
  items: UsageReportItem[];
  total: number;
}

interface ExportRow extends UsageReportItem {
  email_key: string;
}

/**
 * Reports of settled usage (messages, tokens and cost of answers that
 * ended) per user and day, and per model and day, for admins. Sends in progress are not counted until settled.
 */
@Injectable()
export class UsageReportService {
  constructor(
    private readonly db: DatabaseService,
    private readonly usage: UsageService,
  ) {}

  /**
   * One page of users with their usage on `date`: every active user (zero
   * usage included) and any other user who used something that day. The
   * totals are the whole day's, whatever the search and page.
   */
  async report(o: UsageReportOptions): Promise<UsageReport> {
    const [today, { now }] = await Promise.all([
      this.usage.today(),
      this.usage.context(),
    ]);
    const date = o.date ?? today.day;
    const at = new Date(now).toISOString();
    const term = o.search?.trim();
    const filtered = term || o.groupId !== undefined || o.model !== undefined;
    const t = params([date]);
    const [page, totals] = await Promise.all([
      filtered
        ? this.scanPage(date, at, term ? `%${escapeLike(term)}%` : null, o)
        : this.page(date, at, o),
      this.db.query<{
        messages: number;
        tokens: number;
        cost: number;
        active_users: number;
      }>(
        `SELECT coalesce(sum(messages), 0)::bigint AS messages, coalesce(sum(tokens), 0)::bigint AS tokens,
                coalesce(sum(cost), 0)::bigint AS cost,
                count(*) FILTER (WHERE messages > 0 OR tokens > 0) AS active_users
         FROM ${usageRows(o.model, t.p)} d
         WHERE d.day = $1::date${memberOf(o.groupId, 'd.user_id', t.p)}`,
        t.values,
      ),
    ]);
    return {
      date,
      timezone: today.timezone,
      items: page.items.map(item),
      total: page.total,
      page: o.page,
      page_size: o.pageSize,
      totals: {
        messages: Number(totals[0].messages),
        tokens: Number(totals[0].tokens),
        cost: Number(totals[0].cost),
        active_users: Number(totals[0].active_users),
      },
    };
  }

  /**
   * A page without a search, reading about as many rows as its offset: sorted
   * by tokens or messages, the users whose counter is above 0 come from
   * usage_daily in (day, counter) index order and the others, all 0, from
   * users in email order; sorted by email, from the email index.
   */
  private async page(
    date: string,
    at: string,
    o: UsageReportOptions,
  ): Promise<ReportPage> {
    const value = o.sort === 'tokens' || o.sort === 'messages' ? o.sort : null;
    const [[count], [nonZero]] = await Promise.all([
      // Active users, plus inactive ones with usage: two index-friendly counts.
      this.db.query<{ total: number }>(
        `SELECT (SELECT count(*) FROM users WHERE is_active)
              + (SELECT count(*) FROM usage_daily d JOIN users u ON u.id = d.user_id
                 WHERE d.day = $1::date AND NOT u.is_active AND (d.messages > 0 OR d.tokens > 0)) AS total`,
        [date],
      ),
      value
        ? this.db.query<{ n: number }>(
            `SELECT count(*) AS n FROM usage_daily WHERE day = $1::date AND ${value} > 0`,
            [date],
          )
        : Promise.resolve([{ n: 0 }]),
    ]);
    const total = Number(count.total);
    const from = (o.page - 1) * o.pageSize;
    const to = from + o.pageSize;
    const dir = o.order === 'asc' ? 'ASC' : 'DESC';
    const rows = (sql: string, start: number, end: number) =>
      end <= start
        ? Promise.resolve([])
        : this.db.query<UsageReportItem>(`${sql} LIMIT $2 OFFSET $3`, [
            date,
            end - start,
            start,
            at,
          ]);

    if (!value) {
      const order =
        o.sort === 'email'
          ? `lower(u.email) ${dir}`
          : `u.name ${dir}, lower(u.email)`;
      return {
        items: await rows(
          `SELECT ${itemColumns('$4')} ${REPORT_FROM} ORDER BY ${order}`,
          from,
          to,
        ),
        total,
      };
    }
    const used = (start: number, end: number) =>
      rows(
        `SELECT ${itemColumns('$4')} FROM usage_daily d JOIN users u ON u.id = d.user_id
         ${DEFAULTS_JOIN}
         WHERE d.day = $1::date AND d.${value} > 0
         ORDER BY d.${value} ${dir}, lower(u.email)`,
        start,
        end,
      );
    const unused = (start: number, end: number) =>
      rows(
        `SELECT ${itemColumns('$4')} FROM users u ${DEFAULTS_JOIN}
         LEFT JOIN usage_daily d ON d.user_id = u.id AND d.day = $1::date
         WHERE NOT EXISTS (SELECT 1 FROM usage_daily z WHERE z.user_id = u.id AND z.day = $1::date AND z.${value} > 0)
           AND (u.is_active OR d.${OTHER[value]} > 0)
         ORDER BY lower(u.email)`,
        start,
        end,
      );
    const [first, second, split] =
      dir === 'DESC'
        ? [used, unused, Number(nonZero.n)]
        : [unused, used, total - Number(nonZero.n)];
    const [a, b] = await Promise.all([
      first(from, Math.min(to, split)),
      second(Math.max(0, from - split), to - split),
    ]);
    return { items: [...a, ...b], total };
  }

  /**
   * A search, a group or a model: one scan of the users, sorted, counted on
   * the way. With a model, the usage is that model's only.
   */
  private async scanPage(
    date: string,
    at: string,
    pattern: string | null,
    o: UsageReportOptions,
  ): Promise<ReportPage> {
    const dir = o.order === 'asc' ? 'ASC' : 'DESC';
    const order = {
      tokens: `coalesce(d.tokens, 0) ${dir}, lower(u.email)`,
      messages: `coalesce(d.messages, 0) ${dir}, lower(u.email)`,
      email: `lower(u.email) ${dir}`,
      name: `u.name ${dir}, lower(u.email)`,
    }[o.sort];
    const from = (o.page - 1) * o.pageSize;
    const q = params([date]);
    const search = pattern
      ? ` AND (u.email ILIKE ${q.p(pattern)} OR u.name ILIKE $${q.values.length})`
      : '';
    const matching = `
      FROM users u
      LEFT JOIN ${usageRows(o.model, q.p)} d ON d.user_id = u.id AND d.day = $1::date
      WHERE (u.is_active OR d.messages > 0 OR d.tokens > 0)${search}${memberOf(o.groupId, 'u.id', q.p)}`;
    const filters = [...q.values];
    const items = await this.db.query<UsageReportItem & { total: number }>(
      `SELECT ${itemColumns(q.p(at))}, count(*) OVER () AS total ${matching}
       ORDER BY ${order} LIMIT ${q.p(o.pageSize)} OFFSET ${q.p(from)}`,
      q.values,
    );
    if (items.length > 0) return { items, total: Number(items[0].total) };
    if (from === 0) return { items, total: 0 };
    const [count] = await this.db.query<{ total: number }>(
      `SELECT count(*) AS total ${matching}`,
      filters,
    );
    return { items, total: Number(count.total) };
  }

  /**
   * The report's rows for `date` (all of them, or a group's members, by
   * email; limits with the grants in force now), read in batches so that any number of users streams in
   * constant memory.
   */
  async *exportRows(
    date: string,
    groupId?: string,
  ): AsyncGenerator<UsageReportItem> {
    const at = new Date((await this.usage.context()).now).toISOString();
    let after: { email: string; id: string } | null = null;
    for (;;) {
      const q = params([date, EXPORT_BATCH, at]);
      const members = memberOf(groupId, 'u.id', q.p);
      const keyset = after
        ? ` AND (lower(u.email), u.id) > (${q.p(after.email)}, ${q.p(after.id)}::uuid)`
        : '';
      const rows: ExportRow[] = await this.db.query<ExportRow>(
        `SELECT ${itemColumns('$3')}, lower(u.email) AS email_key ${REPORT_FROM}${members}${keyset}
         ORDER BY lower(u.email), u.id
         LIMIT $2`,
        q.values,
      );
      for (const r of rows) yield item(r);
      if (rows.length < EXPORT_BATCH) return;
      const last = rows[rows.length - 1];
      after = { email: last.email_key, id: last.user_id };
    }
  }
}

export function item(r: UsageReportItem): UsageReportItem {
  return {
    user_id: r.user_id,
    email: r.email,
    name: r.name,
    messages: Number(r.messages),
    tokens: Number(r.tokens),
    messages_limit: Number(r.messages_limit),
    tokens_limit: Number(r.tokens_limit),
    cost: Number(r.cost ?? 0),
  };
}
