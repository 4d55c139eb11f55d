import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The alerts outbox (API.md "Alerts"): one row per threshold crossing,
 * written in the transaction that settles the usage, and delivered from here
 * by any API process (`FOR UPDATE SKIP LOCKED`), so it survives restarts.
 *
 * A crossing is one limit, one user (none for a shared limit), one window and
 * one threshold: the unique index makes a second record of it a no-op, so a
 * crossing can never get two ids. `limit_id` and `user_id` have no foreign
 * keys: an alert stays when its limit is deleted.
 *
 * `next_attempt_at` is null once there is nothing left to try (delivered, or
 * given up after 24 hours, or a test alert that was sent at once).
 */
export class Alerts1764700000000 implements MigrationInterface {
  name = 'Alerts1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type varchar(32) NOT NULL,
        threshold smallint CHECK (threshold BETWEEN 1 AND 100),
        limit_id uuid,
        user_id uuid,
        period_start date,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        last_error varchar(500),
        next_attempt_at timestamptz
      )`);
    await q.query(`
      CREATE UNIQUE INDEX alerts_crossing_key ON alerts (
        limit_id, coalesce(user_id, '00000000-0000-0000-0000-000000000000'::uuid),
        period_start, threshold)
      WHERE type = 'limit.threshold'`);
    await q.query(
      `CREATE INDEX alerts_due_idx ON alerts (next_attempt_at) WHERE delivered_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX alerts_created_idx ON alerts (created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alerts`);
  }
}
