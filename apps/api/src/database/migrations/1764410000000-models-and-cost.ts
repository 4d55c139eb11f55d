import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Fixed id of the built-in local model's connection. */
export const BUILT_IN_CONNECTION_ID = '00000000-0000-4000-8000-000000000001';
/** Fixed id of the connection made from `AI_PROVIDER=openai` + `AI_BASE_URL`. */
export const ENVIRONMENT_CONNECTION_ID = '00000000-0000-4000-8000-000000000002';

/**
 * Connections to AI providers, the model catalog with its prices, the model
 * of each chat and answer, and the cost of usage.
 *
 * Existing rows need nothing filled in: a chat's `model` NULL means "the
 * setting `default_model`" (so existing chats use the default model), old
 * answers have no model and no cost, and the counters start at 0 cost.
 * The setting `default_model` is not seeded: without a row it is the
 * environment's model (`AI_PROVIDER=openai`) or `local`.
 */
export class ModelsAndCost1764410000000 implements MigrationInterface {
  name = 'ModelsAndCost1764410000000';

  async up(q: QueryRunner): Promise<void> {
    // api_key_ciphertext: AES-256-GCM under SECRETS_KEY, never the key in clear.
    await q.query(`
      CREATE TABLE ai_connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        kind varchar(10) NOT NULL CHECK (kind IN ('local', 'openai')),
        base_url varchar(2000) NOT NULL,
        api_key_ciphertext text,
        api_key_hint varchar(4),
        token_parameter varchar(32) NOT NULL DEFAULT 'max_tokens'
          CHECK (token_parameter IN ('max_tokens', 'max_completion_tokens')),
        timeout_ms integer NOT NULL DEFAULT 60000 CHECK (timeout_ms > 0),
        source varchar(16) NOT NULL DEFAULT 'admin'
          CHECK (source IN ('admin', 'environment', 'built-in')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `INSERT INTO ai_connections (id, name, kind, base_url, source)
       VALUES ($1, 'Built-in local model', 'local', '', 'built-in')`,
      [BUILT_IN_CONNECTION_ID],
    );
    // Prices: US dollars per million tokens = micro-dollars per token.
    await q.query(`
      CREATE TABLE ai_models (
        id varchar(64) PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._:-]{0,63}$'),
        name varchar(100) NOT NULL,
        connection_id uuid NOT NULL REFERENCES ai_connections (id) ON DELETE RESTRICT,
        upstream_model varchar(200) NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        input_price numeric(13, 6) NOT NULL DEFAULT 0 CHECK (input_price >= 0),
        output_price numeric(13, 6) NOT NULL DEFAULT 0 CHECK (output_price >= 0),
        max_output_tokens integer NOT NULL DEFAULT 1024 CHECK (max_output_tokens >= 1),
        context_tokens integer NOT NULL DEFAULT 8192 CHECK (context_tokens >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX ai_models_connection_idx ON ai_models (connection_id)`,
    );
    await q.query(
      `INSERT INTO ai_models (id, name, connection_id, upstream_model)
       VALUES ('local', 'Local model', $1, 'tally-local')`,
      [BUILT_IN_CONNECTION_ID],
    );
    // No foreign key: a deleted model's id stays on past chats and answers.
    await q.query(`ALTER TABLE chats ADD COLUMN model varchar(64)`);
    await q.query(`
      ALTER TABLE messages
        ADD COLUMN model varchar(64),
        ADD COLUMN cost bigint CHECK (cost >= 0)`);
    // Cost of settled usage, in micro-dollars, per user and day.
    await q.query(
      `ALTER TABLE usage_daily ADD COLUMN cost bigint NOT NULL DEFAULT 0 CHECK (cost >= 0)`,
    );
    // Settled usage per user, day and model: the by-model breakdown.
    await q.query(`
      CREATE TABLE usage_daily_models (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        day date NOT NULL,
        model varchar(64) NOT NULL,
        messages integer NOT NULL DEFAULT 0 CHECK (messages >= 0),
        prompt_tokens bigint NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
        completion_tokens bigint NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
        cost bigint NOT NULL DEFAULT 0 CHECK (cost >= 0),
        PRIMARY KEY (user_id, day, model)
      )`);
    await q.query(
      `CREATE INDEX usage_daily_models_day_idx ON usage_daily_models (day, model)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE usage_daily_models`);
    await q.query(`ALTER TABLE usage_daily DROP COLUMN cost`);
    await q.query(`ALTER TABLE messages DROP COLUMN cost, DROP COLUMN model`);
    await q.query(`ALTER TABLE chats DROP COLUMN model`);
    await q.query(`DROP TABLE ai_models`);
    await q.query(`DROP TABLE ai_connections`);
  }
}
