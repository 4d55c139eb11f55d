import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type MigrationInterface } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { dataSourceOptions } from '../../src/database/database.options';
import { MIGRATIONS } from '../../src/database/migrations';
import { createTestDatabase, sql, type TestDatabase } from './test-db';
import { TEST_JWT_SECRET } from './test-app';

type Migration = (typeof MIGRATIONS)[number];

/**
 * A fresh database and the calls an upgrade spec makes: migrate it up to a
 * release (`before`: every migration older than `m`), fill it as that
 * release would have, migrate to now, compare. One per spec file.
 */
export interface UpgradeDb {
  db: TestDatabase;
  q(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs `migrations` not yet run; their names. */
  migrate(migrations?: readonly Migration[]): Promise<string[]>;
  /** The migrations older than `m`: the release before it. */
  before(m: new () => MigrationInterface): Migration[];
  /** The migrations up to `m`, `m` included: the release that brought it (later ones left out). */
  through(m: new () => MigrationInterface): Migration[];
  /** Undoes the newest migration that ran. */
  undoLast(): Promise<void>;
}

export function upgradeDbPerFile(): UpgradeDb {
  let dataDir = '';
  const u = {} as UpgradeDb;
  const dataSource = (migrations: readonly Migration[]) =>
    new DataSource({
      ...dataSourceOptions(
        loadConfig({
          DATABASE_URL: u.db.url,
          DATA_DIR: dataDir,
          JWT_SECRET: TEST_JWT_SECRET,
          LOG_LEVEL: 'error',
        }),
      ),
      migrations: [...migrations],
    }).initialize();
  beforeAll(async () => {
    u.db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tally-upgrade-'));
  });
  afterAll(async () => {
    await u.db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  u.q = (text, params = []) =>
    sql(u.db.url, text, params) as Promise<Record<string, unknown>[]>;
  u.before = (m) => {
    const index = MIGRATIONS.indexOf(m as Migration);
    if (index <= 0) throw new Error(`${m.name} is not a later migration`);
    return MIGRATIONS.slice(0, index);
  };
  u.through = (m) => [...u.before(m), m as Migration];
  u.migrate = async (migrations = MIGRATIONS) => {
    const ds = await dataSource(migrations);
    try {
      return (await ds.runMigrations({ transaction: 'all' })).map(
        (m) => m.name,
      );
    } finally {
      await ds.destroy();
    }
  };
  u.undoLast = async () => {
    const ds = await dataSource(MIGRATIONS);
    try {
      await ds.undoLastMigration({ transaction: 'all' });
    } finally {
      await ds.destroy();
    }
  };
  return u;
}
