import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `tally_raise(code, message)`: fails the statement that calls it with that
 * SQLSTATE and message. Plain SQL has no RAISE; a one-statement write that
 * must sometimes change nothing at all (the settle that would cross an alert
 * threshold, holds.sql.ts) calls it so its caller can tell that failure
 * from any other by its code.
 */
export class RaiseFunction1764850000000 implements MigrationInterface {
  name = 'RaiseFunction1764850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION tally_raise(code text, message text) RETURNS int
      LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION tally_raise(text, text)`);
  }
}
