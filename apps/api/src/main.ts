import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './config/app-config';
import { createApp, listen } from './create-app';
import { migrateOnly } from './database/migrate-cli';
import { resetPasswordCommand } from './modules/users/reset-password';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  if (process.argv[2] === 'migrate') {
    await migrateOnly(config);
    return;
  }
  if (process.argv[2] === 'reset-password') {
    process.exitCode = await resetPasswordCommand(config, process.argv[3]);
    return;
  }
  const app = await createApp(config);
  const url = await listen(app, config);
  const where = url
    .replace('[::1]', 'localhost')
    .replace('127.0.0.1', 'localhost');
  new Logger('Tally').log(
    `Open ${where}/ in a browser (API under ${where}/api, docs at ${where}/api/docs). ` +
      `Database: ${config.databaseUrl ? 'PostgreSQL' : `embedded, in ${config.dataDir}`}; AI: ${config.ai.provider}.`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
