import { Injectable } from '@nestjs/common';
import type { ApiKeyLimit, LimitMetric } from '@tally/api-contract';
import { DatabaseService, type Tx } from '../../database/database.service';
import { SettingsService } from '../settings/settings.service';
import { limitColumns } from './limits.sql';

/** The daily limits that apply to one user. */
export interface DailyLimits {
  messages: number;
  tokens: number;
}

type SeedMetric = Extract<LimitMetric, 'messages' | 'tokens'>;

/**
 * Which limits apply, the one owner of the rule (API.md "Limits"): for each
 * metric, window and model one personal limit (the user's own, else the
 * most generous of the user's groups, else everyone's), every pool of the
 * user's groups and of everyone, and the API key's own. The statements that
 * check and charge apply it in SQL (limits.sql.ts); this service writes the
 * seed's four knobs, which are views of limit rows, and answers the
 * effective daily limits of users for the admin pages.
 */
@Injectable()
export class LimitsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly settings: SettingsService,
  ) {}

  /**
   * Sets a user's own daily limit over all models (the seed's
   * `max_ai_*_per_day` fields): a number creates or updates the row, null
   * deletes it.
   */
  async setUserDaily(
    userId: string,
    metric: SeedMetric,
    amount: number | null,
    tx?: Tx,
  ): Promise<void> {
    const run = (sql: string, params: unknown[]) =>
      tx ? tx.query(sql, params) : this.db.query(sql, params);
    if (amount === null) {
      await run(
        `DELETE FROM limits WHERE subject = 'user' AND subject_id = $1 AND metric = $2
           AND period = 'day' AND model IS NULL AND NOT shared`,
        [userId, metric],
      );
      return;
    }
    await run(
      `INSERT INTO limits (subject, subject_id, metric, period, amount)
       VALUES ('user', $1, $2, 'day', $3)
       ON CONFLICT (subject, coalesce(subject_id, '00000000-0000-0000-0000-000000000000'::uuid),
                    metric, period, coalesce(model, ''), shared)
       DO UPDATE SET amount = EXCLUDED.amount, updated_at = now()`,
      [userId, metric, amount],
    );
  }

  /** Sets an everyone daily limit over all models (the settings `default_max_ai_*_per_day`). */
  async setEveryoneDaily(metric: SeedMetric, amount: number): Promise<void> {
    await this.db.query(
      `INSERT INTO limits (subject, metric, period, amount) VALUES ('everyone', $1, 'day', $2)
       ON CONFLICT (subject, coalesce(subject_id, '00000000-0000-0000-0000-000000000000'::uuid),
                    metric, period, coalesce(model, ''), shared)
       DO UPDATE SET amount = EXCLUDED.amount, updated_at = now()`,
      [metric, amount],
    );
    this.settings.changed();
  }

  /** The personal daily limits over all models that apply to each user (`effective_max_ai_*`). */
  async effectiveDaily(userIds: string[]): Promise<Map<string, DailyLimits>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db.query<{
      id: string;
      messages_limit: string | number;
      tokens_limit: string | number;
    }>(
      `SELECT u.id, ${limitColumns('u')} FROM users u WHERE u.id = ANY ($1::uuid[])`,
      [userIds],
    );
    return new Map(
      rows.map((r) => [
        r.id,
        { messages: Number(r.messages_limit), tokens: Number(r.tokens_limit) },
      ]),
    );
  }

  /**
   * Replaces an API key's own limits (`subject: 'api_key'`, personal, over
   * all models) with `limits`; an empty list deletes them (as when the key
   * is deleted). Runs in the caller's transaction.
   */
  async setApiKeyLimits(
    keyId: string,
    limits: readonly ApiKeyLimit[],
    tx: Tx,
  ): Promise<void> {
    await tx.query(
      `DELETE FROM limits WHERE subject = 'api_key' AND subject_id = $1`,
      [keyId],
    );
    if (limits.length === 0) return;
    await tx.query(
      `INSERT INTO limits (subject, subject_id, metric, period, amount)
       SELECT 'api_key', $1, l.metric, l.period, l.amount
       FROM unnest($2::varchar[], $3::varchar[], $4::bigint[]) AS l (metric, period, amount)`,
      [
        keyId,
        limits.map((l) => l.metric),
        limits.map((l) => l.window),
        limits.map((l) => l.amount),
      ],
    );
  }

  /** The own limits of these API keys, by key (keys without any are left out). */
  async apiKeyLimits(
    keyIds: readonly string[],
  ): Promise<Map<string, ApiKeyLimit[]>> {
    const out = new Map<string, ApiKeyLimit[]>();
    if (keyIds.length === 0) return out;
    const rows = await this.db.query<{
      subject_id: string;
      metric: ApiKeyLimit['metric'];
      period: ApiKeyLimit['window'];
      amount: string | number;
    }>(
      `SELECT subject_id, metric, period, amount FROM limits
       WHERE subject = 'api_key' AND subject_id = ANY ($1::uuid[])`,
      [keyIds],
    );
    for (const r of rows) {
      const list = out.get(r.subject_id) ?? [];
      list.push({
        metric: r.metric,
        window: r.period,
        amount: Number(r.amount),
      });
      out.set(r.subject_id, list);
    }
    return out;
  }

  /**
   * Deletes every limit of a group or an API key, in the caller's
   * transaction (the subject is being deleted). Its counters stay: past
   * usage is kept.
   */
  async removeSubject(
    subject: 'group' | 'api_key',
    subjectId: string,
    tx: Tx,
  ): Promise<void> {
    await tx.query(
      `DELETE FROM limits WHERE subject = $1 AND subject_id = $2`,
      [subject, subjectId],
    );
  }

  /** How many answers one user may have in progress at once. */
  streamsPerUser(): Promise<number> {
    return this.settings.value('max_concurrent_streams_per_user');
  }
}
