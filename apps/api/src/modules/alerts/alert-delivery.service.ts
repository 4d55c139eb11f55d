import {
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { AlertTestResult } from '@tally/api-contract';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../common/api-error';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DatabaseService } from '../../database/database.service';
import { SettingsService } from '../settings/settings.service';
import {
  ALERT_COLUMNS,
  type AlertRow,
  AlertsService,
  payloadOf,
} from './alerts.service';
import { postWebhook } from './webhook';

/** Alerts one look claims at most. */
const BATCH = 20;

/** The wait before attempt `attempts + 1`: the first retry after `first`, then doubling, never above `max`. */
export function retryDelayMs(attempts: number, first: number, max: number) {
  return Math.min(max, first * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
}

/**
 * Delivers the alerts outbox. Every `pollMs` (and right after crossings are
 * recorded) it claims the alerts that are due in one statement
 * (`FOR UPDATE SKIP LOCKED`, moving their next attempt past this one's
 * timeout, so no other process takes them meanwhile), POSTs each, and
 * records the outcome: delivered, or the next attempt with exponential
 * backoff, or given up once the next attempt would come after `giveUpMs`.
 * Everything it knows is in the table, so it survives restarts; a process
 * that dies mid-POST leaves its claims to be retried when they lapse.
 */
@Injectable()
export class AlertDeliveryService
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('Alerts');
  private timer: NodeJS.Timeout | null = null;
  private nudged: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private lastWarning: string | null = null;
  private stopped = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly db: DatabaseService,
    private readonly settings: SettingsService,
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The thresholds recordCrossings uses come from the settings read here on.
    await this.settings.get().catch(() => undefined);
    const every = this.config.alerts.pollMs;
    if (every === 0) return;
    this.alerts.onRecorded = () => this.nudge();
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
    this.tick();
  }

  /** Stops looking, cuts the POSTs under way (their alerts are retried later) and waits for the last look. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.nudged) clearTimeout(this.nudged);
    this.stopping.abort();
    await this.running;
  }

  /** Looks for due alerts shortly (after the transaction that recorded them has committed). */
  nudge(): void {
    if (this.stopped || this.nudged) return;
    this.nudged = setTimeout(() => {
      this.nudged = null;
      this.tick();
    }, 50);
    this.nudged.unref();
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliverDue()
      .then(() => (this.lastWarning = null))
      .catch((err: Error) => {
        // Once per kind of failure (a database outage would say it every second).
        if (err.message === this.lastWarning) return;
        this.lastWarning = err.message;
        this.logger.warn(`Could not deliver alerts: ${err.message}`);
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.tick();
        }
      });
  }

  /** One look: claims the due alerts and tries each once. */
  async deliverDue(): Promise<void> {
    const url = (await this.settings.get()).alert_webhook_url;
    if (!url) return;
    const { timeoutMs } = this.config.alerts;
    // Taken for this attempt: nobody else tries it before the attempt is over.
    const claimMs = timeoutMs * 2 + 5000;
    const claimed = await this.db.query<AlertRow>(
      `UPDATE alerts SET attempts = attempts + 1,
              next_attempt_at = now() + $2 * interval '1 millisecond'
       WHERE id IN (SELECT id FROM alerts
                    WHERE delivered_at IS NULL AND next_attempt_at <= now()
                    ORDER BY next_attempt_at, id LIMIT $1
                    FOR UPDATE SKIP LOCKED)
       RETURNING ${ALERT_COLUMNS}`,
      [BATCH, claimMs],
    );
    if (claimed.length === 0) return;
    const secret = await this.settings.alertWebhookSecret();
    await Promise.all(claimed.map((row) => this.attempt(row, url, secret)));
    // A full batch: there may be more due.
    if (claimed.length === BATCH) this.again = true;
  }

  private async attempt(
    row: AlertRow,
    url: string,
    secret: string | null,
  ): Promise<void> {
    const { timeoutMs, firstRetryMs, maxRetryMs, giveUpMs } =
      this.config.alerts;
    const result = await postWebhook({
      url,
      body: payloadOf(row),
      secret,
      timeoutMs,
      signal: this.stopping.signal,
    });
    if (result.ok) {
      await this.db.query(
        `UPDATE alerts SET delivered_at = now(), next_attempt_at = NULL, last_error = NULL
         WHERE id = $1`,
        [row.id],
      );
      return;
    }
    const delay = retryDelayMs(row.attempts, firstRetryMs, maxRetryMs);
    const giveUpAt = new Date(row.created_at).getTime() + giveUpMs;
    const givingUp = Date.now() + delay > giveUpAt;
    const error = givingUp
      ? `Gave up after ${row.attempts} attempts: ${result.error}`
      : (result.error ?? 'Not delivered');
    if (givingUp)
      this.logger.warn(`Alert ${row.id} could not be delivered: ${error}`);
    await this.db.query(
      `UPDATE alerts SET last_error = $2,
              next_attempt_at = CASE WHEN $3::boolean THEN NULL
                                     ELSE now() + $4 * interval '1 millisecond' END
       WHERE id = $1 AND delivered_at IS NULL`,
      [row.id, error.slice(0, 500), givingUp, delay],
    );
  }

  /** Sends a test alert to the webhook now, once, and records it (409 `ALERT_WEBHOOK_NOT_SET` without a URL). */
  async sendTest(): Promise<AlertTestResult> {
    const url = (await this.settings.get()).alert_webhook_url;
    if (!url)
      throw new ApiError(
        HttpStatus.CONFLICT,
        'ALERT_WEBHOOK_NOT_SET',
        'Set alert_webhook_url before sending a test alert',
      );
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    const body = payloadOf({
      id,
      type: 'test',
      threshold: null,
      payload: { limit: null, user: null },
      created_at: createdAt,
      delivered_at: null,
      attempts: 0,
      last_error: null,
      next_attempt_at: null,
    });
    const result = await postWebhook({
      url,
      body,
      secret: await this.settings.alertWebhookSecret(),
      timeoutMs: this.config.alerts.timeoutMs,
      signal: this.stopping.signal,
    });
    await this.alerts.recordTest({ id, createdAt }, result.ok, result.error);
    return {
      id,
      delivered: result.ok,
      status: result.status,
      error: result.error,
      duration_ms: result.durationMs,
    };
  }
}
