/**
 * Starts what the browser tests run against: a fresh PostgreSQL database, the
 * built API (which also serves the built web app) and Chromium. Builds
 * nothing: run `npx nx run-many -t build` first.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const ROOT = resolve(
  import.meta.dirname ?? new URL('.', import.meta.url).pathname,
  '../../../..',
);
const API_MAIN = join(ROOT, 'dist/apps/api/main.js');
const WEB_DIR = join(ROOT, 'dist/apps/web/browser');
export const ARTIFACTS = join(ROOT, 'tmp/web-e2e');
/**
 * Screenshots replace the committed ones in docs/screenshots only when asked
 * (`UPDATE_SCREENSHOTS=1`): a test run leaves the clone as it found it.
 */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(ROOT, 'docs/screenshots')
  : join(ARTIFACTS, 'screenshots');

const PG_SERVER =
  process.env.E2E_PG_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
/** A database of each stack's own (as every API test file has), dropped when the stack stops. */
const dbName = () =>
  process.env.E2E_DB_NAME ??
  `tally_web_e2e_test_${randomBytes(6).toString('hex')}`;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const ADMIN = {
  email: 'admin@example.com',
  password: 'admin-password-1',
};

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Runs statements on the server's `postgres` database (psql rather than a driver: the web scope keeps database clients out of its imports). */
const onServer = (...statements) =>
  promisify(execFile)('psql', [
    '-v',
    'ON_ERROR_STOP=1',
    '-q',
    `${PG_SERVER}/postgres`,
    ...statements.flatMap((s) => ['-c', s]),
  ]);

/** Drops and re-creates the test database `name`; refuses any name without "test". */
async function freshDatabase(name) {
  if (!name.includes('test') || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error(
      `refusing to recreate database "${name}": the name must contain "test"`,
    );
  }
  await onServer(
    `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
    `CREATE DATABASE ${name}`,
  );
  return `${PG_SERVER}/${name}`;
}

async function waitForHealth(baseUrl, api, logPath, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (api.exitCode !== null) {
      throw new Error(
        `the API exited with code ${api.exitCode} before it was healthy; see ${logPath}`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.status === 200) {
        return;
      }
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `GET /api/health did not answer 200 within ${timeoutMs} ms (${last}); see ${logPath}`,
  );
}

/** Debian's Chromium, headless, as every browser test drives it. */
export function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
}

export async function startStack() {
  for (const [path, what] of [
    [API_MAIN, 'the API build'],
    [join(WEB_DIR, 'index.html'), 'the web build'],
  ]) {
    if (!existsSync(path)) {
      throw new Error(
        `${what} is missing (${path}): run "npx nx run-many -t build" first`,
      );
    }
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  mkdirSync(SCREENSHOTS, { recursive: true });

  const database = dbName();
  const databaseUrl = await freshDatabase(database);
  // A fixed port when a test's set-up needs the address first (an identity provider's redirect URI).
  const port = Number(process.env.E2E_API_PORT) || (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const logPath = join(ARTIFACTS, 'api.log');
  const log = createWriteStream(logPath);
  const api = spawn(process.execPath, [API_MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      AI_PROVIDER: 'local',
      AI_LOCAL_DELAY_MS: '5',
      WEB_DIR: 'dist/apps/web/browser',
      PUBLIC_URL: baseUrl,
      JWT_SECRET: randomBytes(16).toString('hex'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout.pipe(log);
  api.stderr.pipe(log);

  let browser;
  try {
    await waitForHealth(baseUrl, api, logPath);
    browser = await launchChromium();
  } catch (error) {
    api.kill('SIGKILL');
    await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(
      () => undefined,
    );
    throw error;
  }

  return {
    baseUrl,
    browser,
    /** Runs SQL on the stack's database (test set-up the API has no endpoint for). */
    async sql(statements) {
      await promisify(execFile)('psql', [
        '-v',
        'ON_ERROR_STOP=1',
        '-q',
        databaseUrl,
        '-c',
        statements,
      ]);
    },
    async stop() {
      await browser?.close().catch(() => undefined);
      if (api.exitCode === null) {
        const exited = new Promise((r) => api.once('exit', r));
        api.kill('SIGTERM');
        const timer = setTimeout(() => api.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}
