import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The version of the model catalog (`ai_models` and `ai_connections`): one
 * row, bumped by triggers in the transaction of every statement that
 * changes a row of either table (an admin's change, the environment's sync at start
 * when it changes something, a migration, a test's cleanup). A process that
 * keeps the catalog in memory reads the version in a statement it runs
 * anyway, and reads the catalog again unless it is the version it holds
 * (see `ModelCatalog`). The row is locked until the
 * changing transaction ends, so versions become visible in commit order.
 */
export class CatalogVersion1764810000000 implements MigrationInterface {
  name = 'CatalogVersion1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE catalog_version (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        version bigint NOT NULL
      )`);
    // A random start: a cache is only ever compared with the version of its
    // own database, and two databases (a test's, one restored) do not share one.
    await q.query(
      `INSERT INTO catalog_version (version) VALUES ((random() * 1e15)::bigint)`,
    );
    await q.query(`
      CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE catalog_version SET version = version + 1;
        RETURN NULL;
      END $$`);
    // Per row, so that a statement that changes nothing (the environment's
    // sync at every start) leaves the version alone; TRUNCATE has no rows.
    for (const table of ['ai_models', 'ai_connections']) {
      await q.query(`
        CREATE TRIGGER ${table}_catalog_version
        AFTER INSERT OR UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION bump_catalog_version()`);
      await q.query(`
        CREATE TRIGGER ${table}_catalog_version_truncate
        AFTER TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['ai_models', 'ai_connections']) {
      await q.query(
        `DROP TRIGGER ${table}_catalog_version_truncate ON ${table}`,
      );
      await q.query(`DROP TRIGGER ${table}_catalog_version ON ${table}`);
    }
    await q.query(`DROP FUNCTION bump_catalog_version()`);
    await q.query(`DROP TABLE catalog_version`);
  }
}
