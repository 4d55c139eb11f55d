import { Injectable } from '@nestjs/common';
import type { UsageByModelItem, UsageHistory } from '@tally/api-contract';
import { notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { memberOf, params, usageRows } from './usage-filters';

/** The filters of the history and of the day by model, as the report's (usage-filters.ts). */
export interface UsageFilters {
  /** Only this group's members (the caller checks that it exists). */
  groupId?: string;
  /** Only this model's usage. */
  model?: string;
}

/**
 * Settled usage over days (everyone's or one user's) and of one day per
 * model, from the ledger (`usage_daily`, `usage_daily_models`).
 */
@Injectable()
export class UsageHistoryService {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Settled usage per day from `from` to `to` (both included, oldest first,
   * days without usage as zeros), of everyone or of one user (404 if
   * unknown); of a group's members and of one model only, if asked.
   */
  async history(
    from: string,
    to: string,
    userId?: string,
    filters: UsageFilters = {},
  ): Promise<UsageHistory> {
    if (userId) {
      const [user] = await this.db.query('SELECT 1 FROM users WHERE id = $1', [
        userId,
      ]);
      if (!user) throw notFound('User');
    }
    const q = params([from, to, userId ?? null]);
    const rows = await this.db.query<{
      date: string;
      messages: number;
      tokens: number;
      cost: number;
      active_users: number;
    }>(
      `SELECT to_char(g.day, 'YYYY-MM-DD') AS date,
              coalesce(sum(d.messages), 0)::bigint AS messages,
              coalesce(sum(d.tokens), 0)::bigint AS tokens,
              coalesce(sum(d.cost), 0)::bigint AS cost,
              count(d.user_id) FILTER (WHERE d.messages > 0 OR d.tokens > 0) AS active_users
       FROM (SELECT $1::date + i AS day FROM generate_series(0, $2::date - $1::date) AS i) g
       LEFT JOIN ${usageRows(filters.model, q.p)} d ON d.day = g.day
         AND ($3::uuid IS NULL OR d.user_id = $3::uuid)${memberOf(filters.groupId, 'd.user_id', q.p)}
       GROUP BY g.day
       ORDER BY g.day`,
      q.values,
    );
    return {
      items: rows.map((r) => ({
        date: r.date,
        messages: Number(r.messages),
        tokens: Number(r.tokens),
        cost: Number(r.cost),
        active_users: Number(r.active_users),
      })),
    };
  }

  /**
   * Settled usage of one day per model (every user, or a group's members),
   * most expensive first; one model's row only, if asked. A deleted model
   * keeps its id here.
   */
  async byModel(
    date: string,
    filters: UsageFilters = {},
  ): Promise<UsageByModelItem[]> {
    const q = params([date]);
    const model =
      filters.model === undefined
        ? ''
        : ` AND m.model = ${q.p(filters.model)}::varchar`;
    const rows = await this.db.query<UsageByModelItem>(
      `SELECT model, sum(messages)::bigint AS messages,
              sum(prompt_tokens)::bigint AS prompt_tokens, sum(completion_tokens)::bigint AS completion_tokens,
              sum(prompt_tokens + completion_tokens)::bigint AS tokens, sum(cost)::bigint AS cost
       FROM usage_daily_models m WHERE m.day = $1::date${model}${memberOf(filters.groupId, 'm.user_id', q.p)}
       GROUP BY model
       ORDER BY cost DESC, tokens DESC, model`,
      q.values,
    );
    return rows.map((r) => ({
      model: r.model,
      messages: Number(r.messages),
      prompt_tokens: Number(r.prompt_tokens),
      completion_tokens: Number(r.completion_tokens),
      tokens: Number(r.tokens),
      cost: Number(r.cost),
    }));
  }
}
