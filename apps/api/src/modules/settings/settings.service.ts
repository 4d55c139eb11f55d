import { HttpStatus, Inject, Injectable, Optional } from '@nestjs/common';
import {
  ALERT_THRESHOLDS_DEFAULT,
  type Settings,
  type UpdateSettingsRequest,
} from '@tally/api-contract';
import { ApiError } from '../../common/api-error';
import {
  APP_CONFIG,
  type AppConfig,
  defaultModelOf,
} from '../../config/app-config';
import { DatabaseService } from '../../database/database.service';
import { SecretBox } from '../models/secret-box';

/** The settings as this API serves them: every one present. */
export type AllSettings = Required<Settings>;

/**
 * What a setting is when its row is missing. `default_model` without a row
 * is the environment's model (`AI_PROVIDER=openai`) or `local`: see
 * `defaultModelOf`.
 */
export const SETTING_DEFAULTS: AllSettings = {
  default_max_ai_messages_per_day: 100,
  default_max_ai_tokens_per_day: 500000,
  quota_timezone: 'UTC',
  allow_registration: true,
  max_concurrent_streams_per_user: 3,
  default_model: 'local',
  alert_webhook_url: null,
  alert_thresholds: [...ALERT_THRESHOLDS_DEFAULT],
  has_alert_webhook_secret: false,
};

/** The settings row that holds the alert webhook's secret, sealed under SECRETS_KEY; never answered. */
const ALERT_SECRET_KEY = 'alert_webhook_secret';

/** Whether a stored value has the setting's type (a row of another type is ignored). */
function storable(key: string, value: unknown): boolean {
  if (key === 'alert_webhook_url')
    return value === null || typeof value === 'string';
  if (key === 'alert_thresholds')
    return Array.isArray(value) && value.every((n) => Number.isInteger(n));
  if (key === 'has_alert_webhook_secret') return false;
  return (
    typeof value ===
    typeof (SETTING_DEFAULTS as unknown as Record<string, unknown>)[key]
  );
}

/**
 * Settings that are views of limits (the everyone daily limits, view
 * `default_daily_limits`): read here, written by LimitsService, which then
 * calls `changed()`.
 */
export const LIMIT_VIEWS = new Set<string>([
  'default_max_ai_messages_per_day',
  'default_max_ai_tokens_per_day',
]);

/** How long a process may serve a cached value after another process changed it. */
export const SETTINGS_CACHE_MS = 2000;

/**
 * Typed settings over the `settings` table (key → JSON value). Reads are
 * cached for at most SETTINGS_CACHE_MS, so a change made through any API
 * process is seen everywhere within that time, and at once in the process
 * that made it.
 */
@Injectable()
export class SettingsService {
  private cache: { value: AllSettings; at: number } | null = null;
  /** The read under way, shared by callers; `writes` as it was when it started. */
  private loading: { value: Promise<AllSettings>; writes: number } | null =
    null;
  /** Writes made by this process: a read started before the last one is not cached or shared. */
  private writes = 0;
  /** Injectable clock, for tests. */
  now: () => number = () => Date.now();

  async get(): Promise<AllSettings> {
    // A clock that went back (a time sync, a test's clock) makes the cache stale, not fresh forever.
    const age = this.cache ? this.now() - this.cache.at : -1;
    if (this.cache && age >= 0 && age < SETTINGS_CACHE_MS)
      return this.cache.value;
    if (this.loading?.writes !== this.writes) this.loading = this.read();
    return this.loading.value;
  }

  async value<K extends keyof AllSettings>(key: K): Promise<AllSettings[K]> {
    return (await this.get())[key];
  }

  /** The settings this process read last, however old (null before the first read); never waits. */
  peek(): AllSettings | null {
    return this.cache?.value ?? null;
  }

  /**
   * Writes the given settings in one transaction and returns them all.
   * `alert_webhook_secret` is sealed under SECRETS_KEY (400
   * `SECRETS_KEY_REQUIRED` without one, before anything is written); null
   * removes it.
   */
  async update(changes: UpdateSettingsRequest): Promise<AllSettings> {
    const { alert_webhook_secret: secret, ...rest } = changes;
    const entries: Array<[string, unknown]> = Object.entries(rest).filter(
      ([k, v]) =>
        k in SETTING_DEFAULTS &&
        k !== 'has_alert_webhook_secret' &&
        !LIMIT_VIEWS.has(k) &&
        v !== undefined,
    );
    if (typeof secret === 'string') {
      entries.push([ALERT_SECRET_KEY, this.sealSecret(secret)]);
    }
    if (entries.length > 0 || secret === null) {
      await this.db.inTransaction(async (tx) => {
        if (secret === null)
          await tx.query('DELETE FROM settings WHERE key = $1', [
            ALERT_SECRET_KEY,
          ]);
        if (entries.length === 0) return;
        const params: unknown[] = [];
        const values = entries.map(([k, v]) => {
          params.push(k, JSON.stringify(v));
          return `($${params.length - 1}, $${params.length}::jsonb, now())`;
        });
        await tx.query(
          `INSERT INTO settings (key, value, updated_at) VALUES ${values.join(', ')}
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
          params,
        );
      });
    }
    this.writes++;
    this.cache = null;
    this.loading = this.read();
    return this.loading.value;
  }

  /** The alert webhook's secret, read from the database each time (null: none, or it cannot be opened). */
  async alertWebhookSecret(): Promise<string | null> {
    const [row] = await this.db.query<{ value: unknown }>(
      'SELECT value FROM settings WHERE key = $1',
      [ALERT_SECRET_KEY],
    );
    if (!row || typeof row.value !== 'string' || !this.box) return null;
    try {
      return this.box.open(row.value);
    } catch {
      return null;
    }
  }

  /** Refuses, before anything is written, changes this server cannot store (400 `SECRETS_KEY_REQUIRED`). */
  assertStorable(changes: UpdateSettingsRequest): void {
    if (typeof changes.alert_webhook_secret === 'string') this.sealSecret('');
  }

  private sealSecret(secret: string): string {
    if (!this.box)
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'SECRETS_KEY_REQUIRED',
        'Set SECRETS_KEY (at least 32 bytes, hex or base64) before storing a webhook secret',
      );
    return this.box.seal(secret);
  }

  /** A setting was changed elsewhere (a limit it views): read again. */
  changed(): void {
    this.writes++;
    this.cache = null;
    this.loading = null;
  }

  /** Reads every setting; caches the result unless this process wrote since the read began. */
  private read(): { value: Promise<AllSettings>; writes: number } {
    const started = this.now();
    const writes = this.writes;
    const loading = {
      writes,
      value: this.load().finally(() => {
        if (this.loading === loading) this.loading = null;
      }),
    };
    void loading.value.then(
      (value) => {
        if (writes === this.writes) this.cache = { value, at: started };
      },
      () => undefined,
    );
    return loading;
  }

  private readonly defaults: AllSettings;
  private readonly box: SecretBox | null;

  constructor(
    private readonly db: DatabaseService,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.defaults = {
      ...SETTING_DEFAULTS,
      default_model: config ? defaultModelOf(config.ai) : 'local',
    };
    this.box = config?.secretsKey ? new SecretBox(config.secretsKey) : null;
  }

  private async load(): Promise<AllSettings> {
    const rows = await this.db.query<{ key: string; value: unknown }>(
      'SELECT key, value FROM settings UNION ALL SELECT key, value FROM default_daily_limits',
    );
    const out: AllSettings = {
      ...this.defaults,
      alert_thresholds: [...this.defaults.alert_thresholds],
    };
    for (const { key, value } of rows) {
      if (key === ALERT_SECRET_KEY) out.has_alert_webhook_secret = true;
      else if (key in out && storable(key, value)) {
        (out as unknown as Record<string, unknown>)[key] = value;
      }
    }
    return out;
  }
}
