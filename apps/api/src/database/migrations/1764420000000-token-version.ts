import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A per-user token version: access tokens carry the version they were issued
 * under, and a password change raises it, so every token issued before stops
 * working. Tokens issued before this column existed carry none and count as 0.
 */
export class TokenVersion1764420000000 implements MigrationInterface {
  name = 'TokenVersion1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}
