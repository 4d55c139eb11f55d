import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The request log stops growing with refused requests: those of one user,
 * API key (or none) and `code` in one minute share one row, whose `count`
 * says how many there were (`RequestLogService.insert` adds to it in one
 * statement, on the unique index made here). Every other row counts 1.
 *
 * `by_api_key` remembers that a row was made with a key: deleting the key
 * sets `api_key_id` to null, and such a row must neither be counted into
 * the same minute's row of requests made with an access token nor collide
 * with it (or with another deleted key's) in the index, so it leaves the
 * index instead.
 *
 * Refused rows already in the log that the index would hold twice are
 * merged first: the earliest stays, counting them all.
 */
export class RequestLogCount1765200000000 implements MigrationInterface {
  name = 'RequestLogCount1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE gateway_requests
        ADD COLUMN count integer NOT NULL DEFAULT 1 CHECK (count >= 1),
        ADD COLUMN by_api_key boolean NOT NULL DEFAULT false`);
    await q.query(
      `UPDATE gateway_requests SET by_api_key = true WHERE api_key_id IS NOT NULL`,
    );
    await q.query(`
      WITH ranked AS (
        SELECT id,
               row_number() OVER minute AS nth,
               count(*) OVER (PARTITION BY user_id, api_key_id, code,
                 date_trunc('minute', started_at AT TIME ZONE 'UTC')) AS n
        FROM gateway_requests
        WHERE status = 'refused'
        WINDOW minute AS (PARTITION BY user_id, api_key_id, code,
          date_trunc('minute', started_at AT TIME ZONE 'UTC')
          ORDER BY started_at, id)
      ),
      kept AS (
        UPDATE gateway_requests g SET count = r.n
        FROM ranked r WHERE g.id = r.id AND r.nth = 1 AND r.n > 1
      )
      DELETE FROM gateway_requests g USING ranked r
      WHERE g.id = r.id AND r.nth > 1`);
    // The minute in UTC: date_trunc of a timestamptz depends on the
    // session's time zone and cannot be indexed.
    await q.query(`
      CREATE UNIQUE INDEX gateway_requests_refused_minute_idx ON gateway_requests
        (user_id, api_key_id, code, (date_trunc('minute', started_at AT TIME ZONE 'UTC')))
        NULLS NOT DISTINCT
        WHERE status = 'refused' AND (api_key_id IS NOT NULL OR NOT by_api_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX gateway_requests_refused_minute_idx`);
    await q.query(
      `ALTER TABLE gateway_requests DROP COLUMN count, DROP COLUMN by_api_key`,
    );
  }
}
