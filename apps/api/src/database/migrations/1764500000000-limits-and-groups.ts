import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Limits the way organisations budget (API.md "Limits"): groups and their
 * members, limit rows for every subject, metric, window and model, grants,
 * and one table of counters that every limit is checked against.
 *
 * The seed's four knobs become limit rows, with nothing lost:
 * - the settings `default_max_ai_messages_per_day` / `_tokens_` become the
 *   `everyone` personal daily limits (`model` null), which always exist;
 * - a user's `max_ai_messages_per_day` / `_tokens_` (when not null) become
 *   that user's personal daily limits; the columns go, and the user's fields
 *   are read from the limits (view `user_daily_limits`).
 *
 * Counters (`usage_counters`) are keyed by a scope and the first day of the
 * window (`period_start`, a date in quota_timezone):
 * - `u:<user>:<window>:<model or *>`: a user's own use (personal limits);
 *   every send charges the six of its user (day, week, month x all models,
 *   its model), so a limit added later sees the use of its window;
 * - `g:<group>:<window>:<model or *>`: a group's pool, `e:<window>:<model or *>`
 *   an everyone pool, `k:<api key>:<window>:<model or *>`: an API key's use;
 *   charged while such a limit exists.
 * They are filled from `usage_daily` and `usage_daily_models` (day, ISO week
 * and month of every stored day). `usage_daily` stays the settled ledger of
 * the reports; its hold columns move to the counters.
 *
 * A hold names the counters it holds (`scopes`, `periods`), so a settle or
 * the reaper moves exactly those, once.
 *
 * Old processes must be stopped before this runs (it changes what a hold is).
 */
export class LimitsAndGroups1764500000000 implements MigrationInterface {
  name = 'LimitsAndGroups1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_groups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        description varchar(1000) NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX user_groups_name_key ON user_groups (lower(name))`,
    );
    await q.query(`
      CREATE TABLE group_members (
        group_id uuid NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, user_id)
      )`);
    await q.query(
      `CREATE INDEX group_members_user_idx ON group_members (user_id, group_id)`,
    );
    // subject_id has no foreign key: it names a group, a user or an API key.
    // Deleting a group or a key deletes its limits in the same transaction.
    // "window" is reserved in SQL: the column is "period".
    await q.query(`
      CREATE TABLE limits (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject varchar(10) NOT NULL CHECK (subject IN ('everyone', 'group', 'user', 'api_key')),
        subject_id uuid,
        metric varchar(10) NOT NULL CHECK (metric IN ('messages', 'tokens', 'cost')),
        period varchar(5) NOT NULL CHECK (period IN ('day', 'week', 'month')),
        model varchar(64),
        shared boolean NOT NULL DEFAULT false,
        amount bigint NOT NULL CHECK (amount >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((subject = 'everyone') = (subject_id IS NULL)),
        CHECK (NOT shared OR subject IN ('everyone', 'group'))
      )`);
    await q.query(`
      CREATE UNIQUE INDEX limits_identity_key ON limits (
        subject, coalesce(subject_id, '00000000-0000-0000-0000-000000000000'::uuid),
        metric, period, coalesce(model, ''), shared)`);
    await q.query(
      `CREATE INDEX limits_subject_idx ON limits (subject_id) WHERE subject_id IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE limit_grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        metric varchar(10) NOT NULL CHECK (metric IN ('messages', 'tokens', 'cost')),
        period varchar(5) NOT NULL CHECK (period IN ('day', 'week', 'month')),
        model varchar(64),
        amount bigint NOT NULL CHECK (amount > 0),
        note varchar(500) NOT NULL DEFAULT '',
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX limit_grants_user_idx ON limit_grants (user_id, expires_at)`,
    );
    // messages/tokens/cost: settled. held_*: admitted sends in progress.
    await q.query(`
      CREATE TABLE usage_counters (
        scope varchar(200) NOT NULL,
        period_start date NOT NULL,
        messages bigint NOT NULL DEFAULT 0 CHECK (messages >= 0),
        tokens bigint NOT NULL DEFAULT 0 CHECK (tokens >= 0),
        cost bigint NOT NULL DEFAULT 0 CHECK (cost >= 0),
        held_messages bigint NOT NULL DEFAULT 0 CHECK (held_messages >= 0),
        held_tokens bigint NOT NULL DEFAULT 0 CHECK (held_tokens >= 0),
        held_cost bigint NOT NULL DEFAULT 0 CHECK (held_cost >= 0),
        PRIMARY KEY (scope, period_start)
      )`);

    // The seed's knobs, as limit rows.
    await q.query(`
      INSERT INTO limits (subject, metric, period, amount)
      SELECT 'everyone', m.metric, 'day',
             coalesce((SELECT (s.value #>> '{}')::numeric FROM settings s
                       WHERE s.key = m.setting AND jsonb_typeof(s.value) = 'number'), m.seed)::bigint
      FROM (VALUES ('messages', 'default_max_ai_messages_per_day', 100),
                   ('tokens', 'default_max_ai_tokens_per_day', 500000)) m (metric, setting, seed)`);
    await q.query(`
      DELETE FROM settings
      WHERE key IN ('default_max_ai_messages_per_day', 'default_max_ai_tokens_per_day')`);
    await q.query(`
      INSERT INTO limits (subject, subject_id, metric, period, amount)
      SELECT 'user', id, 'messages', 'day', max_ai_messages_per_day FROM users
      WHERE max_ai_messages_per_day IS NOT NULL
      UNION ALL
      SELECT 'user', id, 'tokens', 'day', max_ai_tokens_per_day FROM users
      WHERE max_ai_tokens_per_day IS NOT NULL`);
    await q.query(
      `ALTER TABLE users DROP COLUMN max_ai_messages_per_day, DROP COLUMN max_ai_tokens_per_day`,
    );
    // The user's fields of the seed, as the limits publish them.
    await q.query(`
      CREATE VIEW user_daily_limits AS
      SELECT u.id AS user_id,
             (SELECT l.amount FROM limits l
              WHERE l.subject = 'user' AND l.subject_id = u.id AND l.metric = 'messages'
                AND l.period = 'day' AND l.model IS NULL AND NOT l.shared) AS max_ai_messages_per_day,
             (SELECT l.amount FROM limits l
              WHERE l.subject = 'user' AND l.subject_id = u.id AND l.metric = 'tokens'
                AND l.period = 'day' AND l.model IS NULL AND NOT l.shared) AS max_ai_tokens_per_day
      FROM users u`);
    // The settings of the seed, as the limits publish them.
    await q.query(`
      CREATE VIEW default_daily_limits AS
      SELECT CASE metric WHEN 'messages' THEN 'default_max_ai_messages_per_day'
                         ELSE 'default_max_ai_tokens_per_day' END AS key,
             to_jsonb(amount) AS value
      FROM limits
      WHERE subject = 'everyone' AND period = 'day' AND model IS NULL AND NOT shared
        AND metric IN ('messages', 'tokens')`);

    // The counters, from the ledger: every window of every stored day.
    for (const [window, start] of [
      ['day', 'day'],
      ['week', `date_trunc('week', day::timestamp)::date`],
      ['month', `date_trunc('month', day::timestamp)::date`],
    ]) {
      await q.query(`
        INSERT INTO usage_counters (scope, period_start, messages, tokens, cost, held_messages, held_tokens)
        SELECT 'u:' || user_id || ':${window}:*', ${start},
               sum(messages), sum(tokens), sum(cost), sum(held_messages), sum(held_tokens)
        FROM usage_daily GROUP BY user_id, ${start}`);
      await q.query(`
        INSERT INTO usage_counters (scope, period_start, messages, tokens, cost)
        SELECT 'u:' || user_id || ':${window}:' || model, ${start},
               sum(messages), sum(prompt_tokens + completion_tokens), sum(cost)
        FROM usage_daily_models GROUP BY user_id, model, ${start}`);
    }

    // Holds name their counters. A hold left by a stopped process holds the
    // counters of its day, week and month over all models, as it held before.
    await q.query(`
      ALTER TABLE usage_holds
        DROP CONSTRAINT IF EXISTS usage_holds_user_id_day_fkey,
        ADD COLUMN cost bigint NOT NULL DEFAULT 0 CHECK (cost >= 0),
        ADD COLUMN scopes text[] NOT NULL DEFAULT '{}',
        ADD COLUMN periods date[] NOT NULL DEFAULT '{}'`);
    await q.query(`
      UPDATE usage_holds SET
        scopes = ARRAY['u:' || user_id || ':day:*', 'u:' || user_id || ':week:*', 'u:' || user_id || ':month:*'],
        periods = ARRAY[day, date_trunc('week', day::timestamp)::date, date_trunc('month', day::timestamp)::date]`);
    await q.query(`
      ALTER TABLE usage_daily
        DROP COLUMN held_messages, DROP COLUMN held_tokens, DROP COLUMN last_output_cap`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE usage_daily
        ADD COLUMN held_messages integer NOT NULL DEFAULT 0 CHECK (held_messages >= 0),
        ADD COLUMN held_tokens bigint NOT NULL DEFAULT 0 CHECK (held_tokens >= 0),
        ADD COLUMN last_output_cap integer NOT NULL DEFAULT 0`);
    await q.query(`
      UPDATE usage_daily d SET held_messages = c.held_messages, held_tokens = c.held_tokens
      FROM usage_counters c
      WHERE c.scope = 'u:' || d.user_id || ':day:*' AND c.period_start = d.day`);
    await q.query(`
      ALTER TABLE usage_holds DROP COLUMN periods, DROP COLUMN scopes, DROP COLUMN cost,
        ADD CONSTRAINT usage_holds_user_id_day_fkey FOREIGN KEY (user_id, day)
          REFERENCES usage_daily (user_id, day) ON DELETE CASCADE`);
    await q.query(`DROP VIEW default_daily_limits`);
    await q.query(`DROP VIEW user_daily_limits`);
    await q.query(`
      ALTER TABLE users
        ADD COLUMN max_ai_messages_per_day integer
          CONSTRAINT users_max_ai_messages_per_day_check CHECK (max_ai_messages_per_day >= 0),
        ADD COLUMN max_ai_tokens_per_day integer
          CONSTRAINT users_max_ai_tokens_per_day_check CHECK (max_ai_tokens_per_day >= 0)`);
    await q.query(`
      UPDATE users u SET
        max_ai_messages_per_day = (SELECT least(amount, 2147483647) FROM limits l WHERE l.subject = 'user'
          AND l.subject_id = u.id AND l.metric = 'messages' AND l.period = 'day' AND l.model IS NULL AND NOT l.shared),
        max_ai_tokens_per_day = (SELECT least(amount, 2147483647) FROM limits l WHERE l.subject = 'user'
          AND l.subject_id = u.id AND l.metric = 'tokens' AND l.period = 'day' AND l.model IS NULL AND NOT l.shared)`);
    await q.query(`
      INSERT INTO settings (key, value)
      SELECT CASE metric WHEN 'messages' THEN 'default_max_ai_messages_per_day'
                         ELSE 'default_max_ai_tokens_per_day' END,
             to_jsonb(amount)
      FROM limits
      WHERE subject = 'everyone' AND period = 'day' AND model IS NULL AND NOT shared
        AND metric IN ('messages', 'tokens')
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`);
    await q.query(`DROP TABLE usage_counters`);
    await q.query(`DROP TABLE limit_grants`);
    await q.query(`DROP TABLE limits`);
    await q.query(`DROP TABLE group_members`);
    await q.query(`DROP TABLE user_groups`);
  }
}
