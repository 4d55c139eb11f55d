import type { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { isEmbedded } from './database.service';

/** Any fixed number: the advisory lock that lets one API process migrate at a time. */
const MIGRATION_LOCK = 7_341_002;

/**
 * Runs pending migrations, all in one transaction. On PostgreSQL an advisory
 * lock keeps several API processes that start together from racing; PGlite has
 * one process and runs every transaction alone anyway.
 */
export async function runMigrations(
  ds: DataSource,
  logger: Pick<Logger, 'log'>,
): Promise<void> {
  const embedded = isEmbedded(ds);
  const lock = embedded ? null : ds.createQueryRunner();
  try {
    if (lock) await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const done = await ds.runMigrations({ transaction: 'all' });
    for (const m of done) logger.log(`Migrated: ${m.name}`);
  } finally {
    if (lock) {
      await lock
        .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
        .catch(() => undefined);
      await lock.release();
    }
  }
}
