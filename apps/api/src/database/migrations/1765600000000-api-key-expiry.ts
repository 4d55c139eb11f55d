import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys that expire and are rotated. `expires_at`: from that second on
 * the key is refused (null: never). A rotation gives the key a new secret
 * and may keep the one before it working for a while: `previous_hash` until
 * `previous_expires_at` (both set or both null). A second rotation replaces
 * the previous secret. Nothing is moved: every existing key never expires
 * and has no previous secret.
 */
export class ApiKeyExpiry1765600000000 implements MigrationInterface {
  name = 'ApiKeyExpiry1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys
        ADD COLUMN expires_at timestamptz,
        ADD COLUMN previous_hash char(64),
        ADD COLUMN previous_expires_at timestamptz,
        ADD CONSTRAINT api_keys_previous_has_expiry
          CHECK ((previous_hash IS NULL) = (previous_expires_at IS NULL))`);
    await q.query(`
      CREATE UNIQUE INDEX api_keys_previous_hash_key ON api_keys (previous_hash)
        WHERE previous_hash IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX api_keys_previous_hash_key`);
    await q.query(`
      ALTER TABLE api_keys
        DROP CONSTRAINT api_keys_previous_has_expiry,
        DROP COLUMN previous_expires_at,
        DROP COLUMN previous_hash,
        DROP COLUMN expires_at`);
  }
}
