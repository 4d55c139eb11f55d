import { HttpStatus, Injectable } from '@nestjs/common';
import type {
  CreateGrantRequest,
  Grant,
  LimitMetric,
  LimitWindow,
} from '@tally/api-contract';
import { ApiError, notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { UsageService } from './usage.service';

interface GrantRow {
  id: string;
  user_id: string;
  metric: LimitMetric;
  window: LimitWindow;
  model: string | null;
  amount: number | string;
  note: string;
  created_by: string | null;
  created_at: Date | string;
  expires_at: Date | string;
}

const COLUMNS = `id, user_id, metric, period AS window, model, amount, note, created_by,
  created_at, expires_at`;

/**
 * Grants (API.md "Limits"): an admin's one-off raise of a user's personal
 * limit of one metric, window and model, until the end of the window in
 * force. The reserve adds the grants in force to the limit (limits.sql.ts).
 */
@Injectable()
export class GrantsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly usage: UsageService,
  ) {}

  /**
   * 404 unknown user; 409 `NO_SUCH_LIMIT` when no personal limit of that
   * metric, window and model applies to the user (own, a group's or
   * everyone's). It expires when the window now in force ends.
   */
  async create(
    userId: string,
    createdBy: string,
    r: CreateGrantRequest,
  ): Promise<Grant> {
    const ctx = await this.usage.context();
    const model = r.model ?? null;
    // The limits that apply to a send to `model` (or over all models): the one rule.
    const applies = (await this.usage.limitsOf({ userId, model }, ctx)).some(
      (l) =>
        !l.shared &&
        l.subject !== 'api_key' &&
        l.metric === r.metric &&
        l.window === r.window &&
        l.model === model,
    );
    if (!applies)
      throw new ApiError(
        HttpStatus.CONFLICT,
        'NO_SUCH_LIMIT',
        `No personal ${r.window} ${r.metric} limit${model ? ` for ${model}` : ''} applies to this user`,
      );
    const [row] = await this.db.query<GrantRow>(
      `INSERT INTO limit_grants (user_id, metric, period, model, amount, note, created_by, expires_at)
       SELECT id, $2, $3, $4, $5, $6, (SELECT id FROM users WHERE id = $7), $8
       FROM users WHERE id = $1
       RETURNING ${COLUMNS}`,
      [
        userId,
        r.metric,
        r.window,
        model,
        r.amount,
        r.note ?? '',
        createdBy,
        new Date(ctx.windows[r.window].resetsAt).toISOString(),
      ],
    );
    if (!row) throw notFound('User');
    return toGrant(row);
  }

  /** The user's grants in force (not yet expired), oldest first; 404 unknown user. */
  async list(userId: string): Promise<Grant[]> {
    const { now } = await this.usage.context();
    const [user] = await this.db.query(`SELECT 1 FROM users WHERE id = $1`, [
      userId,
    ]);
    if (!user) throw notFound('User');
    const rows = await this.db.query<GrantRow>(
      `SELECT ${COLUMNS} FROM limit_grants
       WHERE user_id = $1 AND expires_at > $2::timestamptz
       ORDER BY created_at, id`,
      [userId, new Date(now).toISOString()],
    );
    return rows.map(toGrant);
  }
}

function toGrant(r: GrantRow): Grant {
  return {
    id: r.id,
    user_id: r.user_id,
    metric: r.metric,
    window: r.window,
    model: r.model,
    amount: Number(r.amount),
    note: r.note,
    created_by: r.created_by,
    created_at: new Date(r.created_at).toISOString(),
    expires_at: new Date(r.expires_at).toISOString(),
  };
}
