import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './database.options';
import { runMigrations } from './migrate';

/** `npm run db:migrate`: applies pending migrations and exits. */
export async function migrateOnly(config: AppConfig): Promise<void> {
  const ds = await new DataSource(dataSourceOptions(config)).initialize();
  try {
    await runMigrations(ds, new Logger('Database'));
    new Logger('Database').log('Migrations are up to date');
  } finally {
    await ds.destroy();
  }
}
