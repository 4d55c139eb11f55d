import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Settings } from '@tally/api-contract';
import {
  APP_CONFIG,
  type AppConfig,
  defaultModelOf,
} from '../../config/app-config';
import { DatabaseService } from '../../database/database.service';

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
};

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
    if (this.cache && this.now() - this.cache.at < SETTINGS_CACHE_MS)
      return this.cache.value;
    if (this.loading?.writes !== this.writes) this.loading = this.read();
    return this.loading.value;
  }

  async value<K extends keyof AllSettings>(key: K): Promise<AllSettings[K]> {
    return (await this.get())[key];
  }

  /** Writes the given settings in one statement and returns them all. */
  async update(changes: Partial<Settings>): Promise<AllSettings> {
    const entries = Object.entries(changes).filter(
      ([k, v]) => k in SETTING_DEFAULTS && v !== undefined,
    );
    if (entries.length > 0) {
      const params: unknown[] = [];
      const values = entries.map(([k, v]) => {
        params.push(k, JSON.stringify(v));
        return `($${params.length - 1}, $${params.length}::jsonb, now())`;
      });
      await this.db.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ${values.join(', ')}
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        params,
      );
    }
    this.writes++;
    this.cache = null;
    this.loading = this.read();
    return this.loading.value;
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

  constructor(
    private readonly db: DatabaseService,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.defaults = {
      ...SETTING_DEFAULTS,
      default_model: config ? defaultModelOf(config.ai) : 'local',
    };
  }

  private async load(): Promise<AllSettings> {
    const rows = await this.db.query<{ key: string; value: unknown }>(
      'SELECT key, value FROM settings',
    );
    const out: AllSettings = { ...this.defaults };
    for (const { key, value } of rows) {
      if (
        key in out &&
        typeof value ===
          typeof (SETTING_DEFAULTS as unknown as Record<string, unknown>)[key]
      ) {
        (out as unknown as Record<string, unknown>)[key] = value;
      }
    }
    return out;
  }
}
