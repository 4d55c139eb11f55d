import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Daily AI quotas: per-user limits (null = the default setting), the default
 * settings, per-user per-day counters and the holds of answers in progress.
 * Adds nothing that existing rows must fill in: users keep every field and
 * get null limits.
 */
export class DailyQuotas1764320000000 implements MigrationInterface {
  name = 'DailyQuotas1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN max_ai_messages_per_day integer
          CONSTRAINT users_max_ai_messages_per_day_check CHECK (max_ai_messages_per_day >= 0),
        ADD COLUMN max_ai_tokens_per_day integer
          CONSTRAINT users_max_ai_tokens_per_day_check CHECK (max_ai_tokens_per_day >= 0)`);
    await q.query(`
      INSERT INTO settings (key, value) VALUES
        ('default_max_ai_messages_per_day', '100'::jsonb),
        ('default_max_ai_tokens_per_day', '500000'::jsonb),
        ('quota_timezone', '"UTC"'::jsonb)
      ON CONFLICT (key) DO NOTHING`);
    // One row per user and quota day (the calendar day in quota_timezone).
    // messages/tokens: settled usage. held_*: admitted sends still in progress.
    // last_output_cap: the output cap granted by the latest reservation, so
    // the reserving statement can return it (PostgreSQL 15 has no OLD in RETURNING).
    await q.query(`
      CREATE TABLE usage_daily (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        day date NOT NULL,
        messages integer NOT NULL DEFAULT 0 CHECK (messages >= 0),
        tokens bigint NOT NULL DEFAULT 0 CHECK (tokens >= 0),
        held_messages integer NOT NULL DEFAULT 0 CHECK (held_messages >= 0),
        held_tokens bigint NOT NULL DEFAULT 0 CHECK (held_tokens >= 0),
        last_output_cap integer NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, day)
      )`);
    await q.query(`CREATE INDEX usage_daily_day_idx ON usage_daily (day)`);
    // What each admitted send holds until it is settled. The process serving
    // the send renews expires_at while it lives; any process releases an
    // expired hold (gives its message and tokens back and sets released_at).
    // Settling deletes the row, so it happens once, released or not.
    await q.query(`
      CREATE TABLE usage_holds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        day date NOT NULL,
        messages integer NOT NULL CHECK (messages >= 0),
        tokens bigint NOT NULL CHECK (tokens >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        released_at timestamptz,
        FOREIGN KEY (user_id, day) REFERENCES usage_daily (user_id, day) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX usage_holds_expires_idx ON usage_holds (expires_at) WHERE released_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE usage_holds`);
    await q.query(`DROP TABLE usage_daily`);
    await q.query(
      `DELETE FROM settings WHERE key IN ('default_max_ai_messages_per_day', 'default_max_ai_tokens_per_day', 'quota_timezone')`,
    );
    await q.query(
      `ALTER TABLE users DROP COLUMN max_ai_tokens_per_day, DROP COLUMN max_ai_messages_per_day`,
    );
  }
}
