import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The OpenAI-compatible endpoint: the models an API key is restricted to
 * (null: every model), and the request log, one row per
 * `POST /v1/chat/completions` of a known caller, refused ones included.
 * Its usage is in the usage counters like any send; the log says who asked
 * what and how it ended. A deleted key leaves its rows without the key.
 */
export class Gateway1764600000000 implements MigrationInterface {
  name = 'Gateway1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ADD COLUMN models text[]`);
    await q.query(`
      CREATE TABLE gateway_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        api_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL,
        model varchar(64),
        status varchar(16) NOT NULL
          CHECK (status IN ('complete', 'error', 'cancelled', 'refused')),
        code varchar(64),
        prompt_tokens integer,
        completion_tokens integer,
        cost bigint,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL
      )`);
    // Newest first, overall and by each filter.
    await q.query(
      `CREATE INDEX gateway_requests_started_idx ON gateway_requests (started_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX gateway_requests_user_idx ON gateway_requests (user_id, started_at DESC)`,
    );
    await q.query(
      `CREATE INDEX gateway_requests_key_idx ON gateway_requests (api_key_id, started_at DESC)`,
    );
    await q.query(
      `CREATE INDEX gateway_requests_model_idx ON gateway_requests (model, started_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gateway_requests`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN models`);
  }
}
