import { HttpStatus, Injectable } from '@nestjs/common';
import type {
  AdminLimit,
  CreateLimitRequest,
  LimitMetric,
  LimitSetBy,
  LimitSubject,
  LimitWindow,
} from '@tally/api-contract';
import { ApiError, notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { ModelsService } from '../models/models.service';
import { SettingsService } from '../settings/settings.service';
import { startOfDay } from './quota-day';
import { UsageService } from './usage.service';
import type { Windows } from './windows';

interface AdminLimitRow {
  id: string;
  subject: LimitSubject;
  subject_id: string | null;
  subject_name: string | null;
  metric: LimitMetric;
  window: LimitWindow;
  model: string | null;
  shared: boolean;
  set_by: LimitSetBy;
  amount: number | string;
  used: number | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/**
 * A limit row with its subject's name and, for a pool, its settled use in
 * the window in force ($1 day, $2 week start, $3 month start): the counter
 * of its scope ('g:<group>:<window>:<model|*>' or 'e:<window>:<model|*>').
 */
const SELECT_LIMITS = `
  SELECT l.id, l.subject, l.subject_id, l.metric, l.period AS window, l.model, l.shared, l.set_by, l.amount,
    l.created_at, l.updated_at,
    CASE l.subject WHEN 'group' THEN (SELECT name FROM user_groups WHERE id = l.subject_id)
                   WHEN 'user' THEN (SELECT coalesce(nullif(name, ''), email) FROM users WHERE id = l.subject_id)
                   WHEN 'api_key' THEN (SELECT name FROM api_keys WHERE id = l.subject_id)
    END AS subject_name,
    CASE WHEN l.shared THEN coalesce((
      SELECT CASE l.metric WHEN 'messages' THEN c.messages WHEN 'tokens' THEN c.tokens ELSE c.cost END
      FROM usage_counters c
      WHERE c.scope = CASE l.subject WHEN 'group' THEN 'g:' || l.subject_id ELSE 'e' END
                      || ':' || l.period || ':' || coalesce(l.model, '*')
        AND c.period_start = CASE l.period WHEN 'day' THEN $1::date WHEN 'week' THEN $2::date ELSE $3::date END
    ), 0) END AS used
  FROM limits l`;

const ORDER = `
  ORDER BY array_position(ARRAY['everyone', 'group', 'user', 'api_key']::varchar[], x.subject),
    lower(x.subject_name), x.subject_id,
    array_position(ARRAY['day', 'week', 'month']::varchar[], x."window"),
    array_position(ARRAY['messages', 'tokens', 'cost']::varchar[], x.metric),
    x.model NULLS FIRST, x.shared, x.set_by DESC, x.id`;

/** The seed's two everyone daily limits, which always exist (they are settings too). */
const IS_REQUIRED = `(subject = 'everyone' AND period = 'day' AND model IS NULL AND NOT shared
  AND metric IN ('messages', 'tokens'))`;

/** Whether a subject exists, locked against deletion until the transaction ends. $1 id. */
const SUBJECT_EXISTS: Record<Exclude<LimitSubject, 'everyone'>, string> = {
  group: `SELECT 1 FROM user_groups WHERE id = $1 FOR KEY SHARE`,
  user: `SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE`,
  api_key: `SELECT 1 FROM api_keys WHERE id = $1 FOR KEY SHARE`,
};

const SUBJECT_WORDS = { group: 'Group', user: 'User', api_key: 'API key' };

const badInput = (message: string) =>
  new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message);

/**
 * The limits as admins manage them (API.md "Limits"): list, create, change
 * the amount, delete. Which of them apply to a send is LimitsService's and
 * limits.sql.ts's; the seed's two everyone daily limits are also the
 * settings `default_max_ai_*_per_day`, so changing them tells the settings.
 */
@Injectable()
export class LimitAdminService {
  constructor(
    private readonly db: DatabaseService,
    private readonly usage: UsageService,
    private readonly settings: SettingsService,
    private readonly models: ModelsService,
  ) {}

  /** Every limit, or those of one subject kind and/or one subject. */
  async list(
    subject?: LimitSubject,
    subjectId?: string,
  ): Promise<AdminLimit[]> {
    const { windows, timezone } = await this.usage.context();
    const rows = await this.db.query<AdminLimitRow>(
      `SELECT * FROM (${SELECT_LIMITS}
         WHERE ($4::varchar IS NULL OR l.subject = $4) AND ($5::uuid IS NULL OR l.subject_id = $5)) x
       ${ORDER}`,
      [...starts(windows), subject ?? null, subjectId ?? null],
    );
    return rows.map((r) => toAdminLimit(r, windows, timezone));
  }

  /** 404 unknown limit. */
  async get(id: string): Promise<AdminLimit> {
    const { windows, timezone } = await this.usage.context();
    const [row] = await this.db.query<AdminLimitRow>(
      `${SELECT_LIMITS} WHERE l.id = $4`,
      [...starts(windows), id],
    );
    if (!row) throw notFound('Limit');
    return toAdminLimit(row, windows, timezone);
  }

  /**
   * 400 for a subject_id with `everyone` or none with another subject, a
   * pool of a user or key, an unknown model (`UNKNOWN_MODEL`); 404 unknown
   * subject; 409 `LIMIT_EXISTS` for a second limit of the same identity.
   */
  async create(r: CreateLimitRequest): Promise<AdminLimit> {
    const subjectId = r.subject_id ?? null;
    const shared = r.shared ?? false;
    const model = r.model ?? null;
    if (r.subject === 'everyone' && subjectId !== null)
      throw badInput('subject_id must be null for subject everyone');
    if (r.subject !== 'everyone' && subjectId === null)
      throw badInput(`subject_id is required for subject ${r.subject}`);
    if (shared && r.subject !== 'everyone' && r.subject !== 'group')
      throw badInput('shared limits are for everyone and groups only');
    if (model !== null) await this.models.requireKnown([model]);
    const id = await this.db.inTransaction(async (tx) => {
      if (r.subject !== 'everyone') {
        const found = await tx.query(SUBJECT_EXISTS[r.subject], [subjectId]);
        if (found.length === 0) throw notFound(SUBJECT_WORDS[r.subject]);
      }
      const [row] = await tx.query<{ id: string }>(
        `INSERT INTO limits (subject, subject_id, metric, period, model, shared, amount)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING RETURNING id`,
        [r.subject, subjectId, r.metric, r.window, model, shared, r.amount],
      );
      if (!row)
        throw new ApiError(
          HttpStatus.CONFLICT,
          'LIMIT_EXISTS',
          'A limit with this subject, metric, window, model and shared exists; change its amount instead',
        );
      return row.id;
    });
    return this.get(id);
  }

  /** A new amount; 404 unknown limit. */
  async update(id: string, amount: number): Promise<AdminLimit> {
    const [row] = await this.db.query<{ required: boolean }>(
      `UPDATE limits SET amount = $2, updated_at = now() WHERE id = $1
       RETURNING ${IS_REQUIRED} AS required`,
      [id, amount],
    );
    if (!row) throw notFound('Limit');
    if (row.required) this.settings.changed();
    return this.get(id);
  }

  /** 404 unknown limit; 409 `LIMIT_REQUIRED` for the two everyone daily limits. */
  async remove(id: string): Promise<void> {
    const [row] = await this.db.query<{ required: boolean }>(
      `WITH target AS (SELECT id, ${IS_REQUIRED} AS required FROM limits WHERE id = $1),
       gone AS (DELETE FROM limits WHERE id IN (SELECT id FROM target WHERE NOT required) RETURNING id)
       SELECT required, (SELECT count(*) FROM gone) AS deleted FROM target`,
      [id],
    );
    if (!row) throw notFound('Limit');
    if (row.required)
      throw new ApiError(
        HttpStatus.CONFLICT,
        'LIMIT_REQUIRED',
        'The everyone daily message and token limits always exist; change their amount instead',
      );
  }
}

const starts = (w: Windows) => [w.day.start, w.week.start, w.month.start];

function toAdminLimit(
  r: AdminLimitRow,
  windows: Windows,
  timezone: string,
): AdminLimit {
  const limit: AdminLimit = {
    id: r.id,
    subject: r.subject,
    subject_id: r.subject_id,
    subject_name: r.subject_name ?? null,
    metric: r.metric,
    window: r.window,
    model: r.model,
    shared: r.shared,
    ...(r.subject === 'api_key' ? { set_by: r.set_by } : {}),
    amount: Number(r.amount),
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
  if (r.shared) {
    limit.used = Number(r.used ?? 0);
    limit.resets_at = new Date(windows[r.window].resetsAt).toISOString();
    // A pool counts only what was sent while it existed: one made
    // mid-window starts at 0 then, not at the window's start.
    limit.counting_since = new Date(
      Math.max(
        startOfDay(windows[r.window].start, timezone),
        new Date(r.created_at).getTime(),
      ),
    ).toISOString();
  }
  return limit;
}
