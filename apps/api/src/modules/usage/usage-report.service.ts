import { Injectable } from '@nestjs/common';
import type {
  SortOrder,
  UsageHistory,
  UsageReport,
  UsageReportItem,
  UsageSortField,
} from '@tally/api-contract';
import { notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { escapeLike } from '../users/users.service';
import { DEFAULT_LIMITS_SQL, UsageService } from './usage.service';

export interface UsageReportOptions {
  /** YYYY-MM-DD; default today in quota_timezone. */
  date?: string;
  page: number;
  pageSize: number;
  sort: UsageSortField;
  order: SortOrder;
  search?: string;
}

/** Rows of the report: active users, and anyone with usage on the day. */
const REPORT_FROM = `
  FROM users u
  CROSS JOIN (${DEFAULT_LIMITS_SQL}) def
  LEFT JOIN usage_daily d ON d.user_id = u.id AND d.day = $1::date
  WHERE (u.is_active OR d.messages > 0 OR d.tokens > 0)`;

const ITEM_COLUMNS = `
  u.id AS user_id, u.email, u.name,
  coalesce(d.messages, 0) AS messages, coalesce(d.tokens, 0)::bigint AS tokens,
  coalesce(u.max_ai_messages_per_day, def.messages_limit) AS messages_limit,
  coalesce(u.max_ai_tokens_per_day, def.tokens_limit) AS tokens_limit`;

const SORT_SQL: Record<UsageSortField, string> = {
  tokens: 'coalesce(d.tokens, 0)',
  messages: 'coalesce(d.messages, 0)',
  email: 'lower(u.email)',
  name: 'u.name',
};

const EXPORT_BATCH = 1000;

interface ExportRow extends UsageReportItem {
  email_key: string;
}

/**
 * Reports of settled usage (messages and tokens of answers that ended) per
 * user and day, for admins. Sends in progress are not counted until settled.
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
    const today = await this.usage.today();
    const date = o.date ?? today.day;
    const params: unknown[] = [date];
    let filter = '';
    const term = o.search?.trim();
    if (term) {
      params.push(`%${escapeLike(term)}%`);
      filter = ` AND (u.email ILIKE $2 OR u.name ILIKE $2)`;
    }
    const dir = o.order === 'asc' ? 'ASC' : 'DESC';
    const tie =
      o.sort === 'email' ? `u.id ${dir}` : `lower(u.email) ASC, u.id ASC`;
    const pageParams = [...params, o.pageSize, (o.page - 1) * o.pageSize];
    const n = params.length;
    const [items, [count], [totals]] = await Promise.all([
      this.db.query<UsageReportItem>(
        `SELECT ${ITEM_COLUMNS} ${REPORT_FROM}${filter}
         ORDER BY ${SORT_SQL[o.sort]} ${dir}, ${tie}
         LIMIT $${n + 1} OFFSET $${n + 2}`,
        pageParams,
      ),
      this.db.query<{ total: number }>(
        `SELECT count(*) AS total ${REPORT_FROM}${filter}`,
        params,
      ),
      this.db.query<{ messages: number; tokens: number; active_users: number }>(
        `SELECT coalesce(sum(messages), 0)::bigint AS messages, coalesce(sum(tokens), 0)::bigint AS tokens,
                count(*) FILTER (WHERE messages > 0 OR tokens > 0) AS active_users
         FROM usage_daily WHERE day = $1::date`,
        [date],
      ),
    ]);
    return {
      date,
      timezone: today.timezone,
      items: items.map(item),
      total: Number(count.total),
      page: o.page,
      page_size: o.pageSize,
      totals: {
        messages: Number(totals.messages),
        tokens: Number(totals.tokens),
        active_users: Number(totals.active_users),
      },
    };
  }

  /**
   * Settled usage per day from `from` to `to` (both included, oldest first,
   * days without usage as zeros), of everyone or of one user (404 if unknown).
   */
  async history(
    from: string,
    to: string,
    userId?: string,
  ): Promise<UsageHistory> {
    if (userId) {
      const [user] = await this.db.query('SELECT 1 FROM users WHERE id = $1', [
        userId,
      ]);
      if (!user) throw notFound('User');
    }
    const rows = await this.db.query<{
      date: string;
      messages: number;
      tokens: number;
      active_users: number;
    }>(
      `SELECT to_char(g.day, 'YYYY-MM-DD') AS date,
              coalesce(sum(d.messages), 0)::bigint AS messages,
              coalesce(sum(d.tokens), 0)::bigint AS tokens,
              count(d.user_id) FILTER (WHERE d.messages > 0 OR d.tokens > 0) AS active_users
       FROM (SELECT $1::date + i AS day FROM generate_series(0, $2::date - $1::date) AS i) g
       LEFT JOIN usage_daily d ON d.day = g.day AND ($3::uuid IS NULL OR d.user_id = $3::uuid)
       GROUP BY g.day
       ORDER BY g.day`,
      [from, to, userId ?? null],
    );
    return {
      items: rows.map((r) => ({
        date: r.date,
        messages: Number(r.messages),
        tokens: Number(r.tokens),
        active_users: Number(r.active_users),
      })),
    };
  }

  /**
   * The report's rows for `date` (all of them, by email), read in batches so
   * that any number of users streams in constant memory.
   */
  async *exportRows(date: string): AsyncGenerator<UsageReportItem> {
    let after: { email: string; id: string } | null = null;
    for (;;) {
      const params: unknown[] = [date, EXPORT_BATCH];
      let keyset = '';
      if (after) {
        params.push(after.email, after.id);
        keyset = ' AND (lower(u.email), u.id) > ($3, $4::uuid)';
      }
      const rows: ExportRow[] = await this.db.query<ExportRow>(
        `SELECT ${ITEM_COLUMNS}, lower(u.email) AS email_key ${REPORT_FROM}${keyset}
         ORDER BY lower(u.email), u.id
         LIMIT $2`,
        params,
      );
      for (const r of rows) yield item(r);
      if (rows.length < EXPORT_BATCH) return;
      const last = rows[rows.length - 1];
      after = { email: last.email_key, id: last.user_id };
    }
  }
}

function item(r: UsageReportItem): UsageReportItem {
  return {
    user_id: r.user_id,
    email: r.email,
    name: r.name,
    messages: Number(r.messages),
    tokens: Number(r.tokens),
    messages_limit: Number(r.messages_limit),
    tokens_limit: Number(r.tokens_limit),
  };
}
