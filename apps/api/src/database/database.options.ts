import { makeTreePrivate } from '../common/private-files';
import { join } from 'node:path';
import { types as pgTypes } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { MIGRATIONS } from './migrations';
import { PGliteSerialPool } from './pglite-pool';

const INT8_OID = 20;

/** `bigint` as a JS number on both drivers (counters stay far below 2^53). */
pgTypes.setTypeParser(INT8_OID, (v: string) => Number(v));

/**
 * TypeORM options for the configured database: PostgreSQL through `pg` when
 * `DATABASE_URL` is set, else an embedded PGlite database in `DATA_DIR/pglite`.
 */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // Never 'query' or 'error': TypeORM would print statement parameters (hashes, keys) to the log.
    // Failed statements surface as exceptions, which the exception filter reports without parameters.
    logging: ['warn', 'migration'] as ('warn' | 'migration')[],
  };
  if (config.databaseUrl) {
    return {
      ...common,
      url: config.databaseUrl,
      poolSize: 20,
      connectTimeoutMS: 5000,
      // Idle connections stay open for 10 minutes, not 30 s: a connection opened
      // again starts a cold backend that plans each prepared statement anew, and a
      // burst after a short lull (every poll of 10,000 people) opened 20 at once
      // and queued requests for most of a second (docs/benchmarks.md).
      extra: { idleTimeoutMillis: 600_000, keepAlive: true },
      applicationName: 'tally-api',
    };
  }
  const dir = join(config.dataDir, 'pglite');
  return {
    ...common,
    driver: {
      Pool: class {
        constructor() {
          return new PGliteSerialPool(
            () => openPglite(dir),
            () => makeTreePrivate(dir),
          );
        }
      },
    },
  };
}

/**
 * Opens the embedded database in `dir`, private to the process's user: the
 * directory 0700 and its files 0600, existing ones included. PGlite writes
 * its files 0666 whatever the umask, so they are made private again once it
 * has opened the database, after the migrations (DatabaseModule) and when it
 * closes; the 0700 directories (the umask below covers those PGlite makes)
 * keep everyone else out of files it writes in between.
 */
async function openPglite(dir: string) {
  process.umask(0o077);
  makeTreePrivate(dir);
  // PGlite ships as ESM; the dynamic import keeps it out of the CommonJS bundle.
  const { PGlite, types } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dir, {
    parsers: { [types.INT8]: (v: string) => Number(v) },
    serializers: {
      [types.BOOL]: (v: unknown) =>
        v === true || v === 'true' || v === 1
          ? 'TRUE'
          : v === false || v === 'false' || v === 0
            ? 'FALSE'
            : String(v),
    },
  });
  makeTreePrivate(dir);
  return db;
}

/** The embedded database's directory for a configuration, or null on PostgreSQL. */
export function embeddedDatabaseDir(config: AppConfig): string | null {
  return config.databaseUrl ? null : join(config.dataDir, 'pglite');
}
