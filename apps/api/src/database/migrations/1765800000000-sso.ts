import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on (API.md "v3: single sign-on and provisioning").
 *
 * - `users.auth_source`: how the user signs in (`password`, `oidc`, `scim`);
 *   every existing user is `password`. `password_hash` may be null: a user
 *   made by the provider has no password until an admin sets one.
 * - `users.sso_issuer` / `sso_subject`: the provider's identity of the user
 *   (`iss` and `sub`), both set or both null, one user per identity.
 * - `user_groups.source` (`local`, `oidc`, `scim`) and `external_id` (the
 *   provider's name of the group); every existing group is `local`.
 * - `sso_logins`: a login on its way through the provider, by its `state`,
 *   for ten minutes; `sso_codes`: the one-time codes that hand a finished
 *   login to the web app, by their SHA-256, for 60 seconds. Both in the
 *   database so that every API process sees them.
 */
export class Sso1765800000000 implements MigrationInterface {
  name = 'Sso1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN auth_source varchar(8) NOT NULL DEFAULT 'password'
          CHECK (auth_source IN ('password', 'oidc', 'scim')),
        ADD COLUMN sso_issuer text,
        ADD COLUMN sso_subject text,
        ALTER COLUMN password_hash DROP NOT NULL,
        ADD CONSTRAINT users_sso_identity_whole
          CHECK ((sso_issuer IS NULL) = (sso_subject IS NULL))`);
    await q.query(`
      CREATE UNIQUE INDEX users_sso_identity_key ON users (sso_issuer, sso_subject)
        WHERE sso_subject IS NOT NULL`);
    await q.query(`
      ALTER TABLE user_groups
        ADD COLUMN source varchar(8) NOT NULL DEFAULT 'local'
          CHECK (source IN ('local', 'oidc', 'scim')),
        ADD COLUMN external_id varchar(255),
        ADD CONSTRAINT user_groups_external_id_of_source
          CHECK ((source = 'local') = (external_id IS NULL))`);
    await q.query(`
      CREATE UNIQUE INDEX user_groups_external_key ON user_groups (source, external_id)
        WHERE external_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE sso_logins (
        state varchar(128) PRIMARY KEY,
        nonce varchar(128) NOT NULL,
        code_verifier varchar(128) NOT NULL,
        return_to varchar(2048),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX sso_logins_expires_idx ON sso_logins (expires_at)`,
    );
    await q.query(`
      CREATE TABLE sso_codes (
        code_hash char(64) PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX sso_codes_expires_idx ON sso_codes (expires_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sso_codes`);
    await q.query(`DROP TABLE sso_logins`);
    await q.query(`DROP INDEX user_groups_external_key`);
    await q.query(`
      ALTER TABLE user_groups
        DROP CONSTRAINT user_groups_external_id_of_source,
        DROP COLUMN external_id,
        DROP COLUMN source`);
    await q.query(`DROP INDEX users_sso_identity_key`);
    await q.query(
      `UPDATE users SET password_hash = '' WHERE password_hash IS NULL`,
    );
    await q.query(`
      ALTER TABLE users
        DROP CONSTRAINT users_sso_identity_whole,
        ALTER COLUMN password_hash SET NOT NULL,
        DROP COLUMN sso_subject,
        DROP COLUMN sso_issuer,
        DROP COLUMN auth_source`);
  }
}
