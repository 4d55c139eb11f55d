import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who set a limit: `set_by` is 'owner' for an API key's limits that its
 * owner set with the key (`POST`/`PATCH /api/auth/api-keys`), 'admin' for
 * every other limit. The owner's `PATCH … {limits}` replaces only the
 * owner's; what an admin put on a key stays.
 *
 * An owner's limit and an admin's of the same metric, window and model may
 * both be on one key (they share the key's counter, and the lower one
 * binds), so `set_by` joins the limit's identity.
 *
 * Existing rows: every limit of everyone, a group or a user was set by an
 * admin. An API key's limit with a model was set by an admin too (the key
 * routes never set a model); one without a model becomes the owner's: most
 * such limits were set with the key, and until now the owner could replace
 * any of them anyway, so no admin's limit loses a protection it had, and no
 * owner finds their own limits locked.
 */
export class LimitSetBy1765100000000 implements MigrationInterface {
  name = 'LimitSetBy1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE limits
        ADD COLUMN set_by varchar(5) NOT NULL DEFAULT 'admin'
          CHECK (set_by IN ('owner', 'admin'))`);
    await q.query(
      `UPDATE limits SET set_by = 'owner' WHERE subject = 'api_key' AND model IS NULL`,
    );
    await q.query(`
      ALTER TABLE limits ADD CONSTRAINT limits_owner_is_a_key_owner
        CHECK (set_by = 'admin' OR subject = 'api_key')`);
    await q.query(`DROP INDEX limits_identity_key`);
    await q.query(`
      CREATE UNIQUE INDEX limits_identity_key ON limits (
        subject, coalesce(subject_id, '00000000-0000-0000-0000-000000000000'::uuid),
        metric, period, coalesce(model, ''), shared, set_by)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Where an owner's and an admin's limit of one kind are both on a key, the admin's stays.
    await q.query(`
      DELETE FROM limits o WHERE o.set_by = 'owner' AND EXISTS (
        SELECT 1 FROM limits a
        WHERE a.set_by = 'admin' AND a.subject = o.subject AND a.subject_id = o.subject_id
          AND a.metric = o.metric AND a.period = o.period
          AND a.model IS NOT DISTINCT FROM o.model AND a.shared = o.shared)`);
    await q.query(`DROP INDEX limits_identity_key`);
    await q.query(`ALTER TABLE limits DROP COLUMN set_by`);
    await q.query(`
      CREATE UNIQUE INDEX limits_identity_key ON limits (
        subject, coalesce(subject_id, '00000000-0000-0000-0000-000000000000'::uuid),
        metric, period, coalesce(model, ''), shared)`);
  }
}
