import { Injectable } from '@nestjs/common';
import type { ApiKeyLimit, LimitMetric, LimitSetBy } from '@tally/api-contract';
import { DatabaseService, type Tx } from '../../database/database.service';
import { SettingsService } from '../settings/settings.service';
import { limitColumns } from './limits.sql';

/** The daily limits that apply to one user. */
export interface DailyLimits {
  messages: number;
  tokens: number;
}

/** A limit on an API key, with who set it. */
export interface KeyLimit extends ApiKeyLimit {
  id: string;
  setBy: LimitSetBy;
  /** null: every model (always so for the owner's). */
  model: string | null;
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
                    metric, period, coalesce(model, ''), shared, set_by)
       DO UPDATE SET amount = EXCLUDED.amount, updated_at = now()`,
      [userId, metric, amount],
    );
  }

  /** Sets an everyone daily limit over all models (the settings `default_max_ai_*_per_day`). */
  async setEveryoneDaily(metric: SeedMetric, amount: number): Promise<void> {
    await this.db.query(
      `INSERT INTO limits (subject, metric, period, amount) VALUES ('everyone', $1, 'day', $2)
       ON CONFLICT (subject, coalesce(subject_id, '00000000-0000-0000-0000-000000000000'::uuid),
                    metric, period, coalesce(model, ''), shared, set_by)
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
   * Replaces the limits an API key's owner set on it (`subject: 'api_key'`,
   * `set_by: 'owner'`, personal, over all models) with `limits`; an empty
   * list deletes them. What an admin put on the key stays. Runs in the
   * caller's transaction.
   */
  async setOwnerKeyLimits(
    keyId: string,
    limits: readonly ApiKeyLimit[],
    tx: Tx,
  ): Promise<void> {
    await tx.query(
      `DELETE FROM limits WHERE subject = 'api_key' AND subject_id = $1 AND set_by = 'owner'`,
      [keyId],
    );
    if (limits.length === 0) return;
    await tx.query(
      `INSERT INTO limits (subject, subject_id, metric, period, amount, set_by)
       SELECT 'api_key', $1, l.metric, l.period, l.amount, 'owner'
       FROM unnest($2::varchar[], $3::varchar[], $4::bigint[]) AS l (metric, period, amount)`,
      [
        keyId,
        limits.map((l) => l.metric),
        limits.map((l) => l.window),
        limits.map((l) => l.amount),
      ],
    );
  }

  /**
   * The limits on these API keys, the owner's and the admins', by key (keys
   * without any are left out): the owner's first, then by window, metric
   * and model.
   */
  async apiKeyLimits(
    keyIds: readonly string[],
  ): Promise<Map<string, KeyLimit[]>> {
    const out = new Map<string, KeyLimit[]>();
    if (keyIds.length === 0) return out;
    const rows = await this.db.query<{
      id: string;
      subject_id: string;
      set_by: LimitSetBy;
      metric: ApiKeyLimit['metric'];
      period: ApiKeyLimit['window'];
      model: string | null;
      amount: string | number;
    }>(
      `SELECT id, subject_id, set_by, metric, period, model, amount FROM limits
       WHERE subject = 'api_key' AND subject_id = ANY ($1::uuid[])
       ORDER BY set_by = 'admin', array_position(ARRAY['day', 'week', 'month']::varchar[], period),
         array_position(ARRAY['messages', 'tokens', 'cost']::varchar[], metric), model NULLS FIRST, id`,
      [keyIds],
    );
    for (const r of rows) {
      const list = out.get(r.subject_id) ?? [];
      list.push({
        id: r.id,
        setBy: r.set_by,
        metric: r.metric,
        window: r.period,
        model: r.model,
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
