import { Injectable } from '@nestjs/common';
import type { Alert, AlertList, AlertType } from '@tally/api-contract';
import { DatabaseService, type Tx } from '../../database/database.service';
import { SettingsService } from '../settings/settings.service';
import { type AlertUser, crossedThresholds, type LimitUse } from './crossings';

export type { AlertUser, LimitUse } from './crossings';

/** What `last_error` says of an alert recorded while no webhook URL was set. */
export const NO_WEBHOOK_URL = 'No webhook URL was set when it was recorded';

/** A row of `alerts` as the queries here return it. */
export interface AlertRow {
  id: string;
  type: AlertType;
  threshold: number | null;
  payload: { limit: Alert['limit']; user: AlertUser | null };
  created_at: Date | string;
  delivered_at: Date | string | null;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | string | null;
}

export const ALERT_COLUMNS =
  'id, type, threshold, payload, created_at, delivered_at, attempts, last_error, next_attempt_at';

const iso = (v: Date | string) => new Date(v).toISOString();

/** The JSON a webhook receives for a row, its keys in the documented order. */
export function payloadOf(row: AlertRow): string {
  return JSON.stringify({
    id: row.id,
    type: row.type,
    threshold: row.threshold,
    limit: row.payload.limit ?? null,
    user: row.payload.user ?? null,
    created_at: iso(row.created_at),
  });
}

function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    type: row.type,
    threshold: row.threshold,
    limit: row.payload.limit ?? null,
    user: row.payload.user ?? null,
    created_at: iso(row.created_at),
    delivered_at: row.delivered_at ? iso(row.delivered_at) : null,
    attempts: row.attempts,
    last_error: row.last_error,
    next_attempt_at: row.next_attempt_at ? iso(row.next_attempt_at) : null,
  };
}

/**
 * The alerts outbox (table `alerts`): crossings are recorded inside the
 * settle's transaction, listed for admins, and delivered by
 * AlertDeliveryService.
 */
@Injectable()
export class AlertsService {
  /** Called after crossings were recorded (the delivery worker looks soon after the commit). */
  onRecorded: () => void = () => undefined;

  constructor(
    private readonly db: DatabaseService,
    private readonly settings: SettingsService,
  ) {}

  /**
   * Records, through the settle's transaction `tx`, every threshold that a
   * use of `uses` reached for the first time in its window: one row per
   * limit, user, window and threshold, a second record of the same crossing
   * changing nothing. Thresholds and the webhook URL come from the settings
   * this process has read (never a query here). When nothing crosses, it
   * makes no query at all. Returns how many crossings it saw.
   */
  async recordCrossings(tx: Tx, uses: readonly LimitUse[]): Promise<number> {
    const thresholds = this.thresholds();
    const params: unknown[] = [];
    const values: string[] = [];
    for (const use of uses) {
      for (const t of crossedThresholds(use, thresholds)) {
        params.push(
          t,
          use.limit.id,
          use.user?.id ?? null,
          use.periodStart,
          JSON.stringify({ limit: use.limit, user: use.user }),
        );
        const n = params.length;
        values.push(
          `('limit.threshold', $${n - 4}::smallint, $${n - 3}::uuid, $${n - 2}::uuid, $${n - 1}::date, $${n}::jsonb)`,
        );
      }
    }
    if (values.length === 0) return 0;
    const scheduled = Boolean(this.known.alert_webhook_url);
    params.push(scheduled, NO_WEBHOOK_URL);
    const n = params.length;
    await tx.query(
      `INSERT INTO alerts (type, threshold, limit_id, user_id, period_start, payload, next_attempt_at, last_error)
       SELECT v.type, v.threshold, v.limit_id, v.user_id, v.period_start, v.payload,
              CASE WHEN $${n - 1}::boolean THEN now() END,
              CASE WHEN $${n - 1}::boolean THEN NULL ELSE $${n}::varchar END
       FROM (VALUES ${values.join(', ')}) v (type, threshold, limit_id, user_id, period_start, payload)
       ON CONFLICT DO NOTHING`,
      params,
    );
    if (scheduled) this.onRecorded();
    return values.length;
  }

  /**
   * The thresholds (percentages) a settle is checked against, from the
   * settings this process has read (never a query; the read is refreshed
   * in the background).
   */
  thresholds(): readonly number[] {
    void this.settings.get().catch(() => undefined);
    const settings = this.settings.peek();
    if (settings) this.known = settings;
    return this.known.alert_thresholds;
  }

  /** Thresholds and URL until the settings were read (AlertDeliveryService reads them at start). */
  private known: {
    alert_thresholds: number[];
    alert_webhook_url: string | null;
  } = {
    alert_thresholds: [80, 100],
    alert_webhook_url: null,
  };

  /** The recorded alerts, newest first. */
  async list(page: number, pageSize: number): Promise<AlertList> {
    const [rows, [count]] = await Promise.all([
      this.db.query<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM alerts
         ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
        [pageSize, (page - 1) * pageSize],
      ),
      this.db.query<{ total: number }>(
        'SELECT count(*)::int AS total FROM alerts',
      ),
    ]);
    return {
      items: rows.map(toAlert),
      total: count.total,
      page,
      page_size: pageSize,
    };
  }

  /** Records a test alert that was just sent once (never retried). */
  async recordTest(
    payload: { id: string; createdAt: string },
    delivered: boolean,
    error: string | null,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO alerts (id, type, payload, created_at, delivered_at, attempts, last_error)
       VALUES ($1, 'test', '{"limit": null, "user": null}', $2, CASE WHEN $3::boolean THEN now() END, 1, $4)`,
      [payload.id, payload.createdAt, delivered, error],
    );
  }
}
