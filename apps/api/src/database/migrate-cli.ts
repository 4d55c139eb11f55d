import { DataSource } from 'typeorm';
import { createLogger } from '../common/logging/logger';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './database.options';
import { runMigrations } from './migrate';

/** `npm run db:migrate`: applies pending migrations and exits. */
export async function migrateOnly(config: AppConfig): Promise<void> {
  const logger = createLogger(config).child({ context: 'Database' });
  const log = { log: (message: string) => logger.info(message) };
  const ds = await new DataSource(dataSourceOptions(config)).initialize();
  try {
    await runMigrations(ds, log);
    log.log('Migrations are up to date');
  } finally {
    await ds.destroy();
  }
}
