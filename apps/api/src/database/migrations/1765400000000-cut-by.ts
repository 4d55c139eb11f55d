import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `cut_by` on answers (`messages`) and on the request log
 * (`gateway_requests`): why a complete answer ended at its output cap, the
 * model's or instance's own (`max_output`) or a smaller one a limit left
 * (`limit`); null when it was not cut. Rows from before stay null: nothing
 * recorded which cap they met.
 */
export class CutBy1765400000000 implements MigrationInterface {
  name = 'CutBy1765400000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['messages', 'gateway_requests']) {
      await q.query(`
        ALTER TABLE ${table} ADD COLUMN cut_by varchar(16)
          CONSTRAINT ${table}_cut_by_check CHECK (cut_by IN ('max_output', 'limit'))`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['messages', 'gateway_requests'])
      await q.query(`ALTER TABLE ${table} DROP COLUMN cut_by`);
  }
}
