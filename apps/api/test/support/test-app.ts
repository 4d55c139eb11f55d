import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { createApp } from '../../src/create-app';
import { DatabaseService } from '../../src/database/database.service';
import { Http } from './http';
import { createTestDatabase, sql, type TestDatabase } from './test-db';

export const ADMIN = {
  email: 'admin@example.com',
  password: 'admin-password-1',
};
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  url: string;
  http: Http;
  /** The PostgreSQL database (null on PGlite). */
  db: TestDatabase | null;
  dataDir: string;
  /** Logs in (as the seeded admin by default) and returns the access token. */
  login(email?: string, password?: string): Promise<string>;
  /**
   * Runs SQL on the app's database behind the API's back: a connection of
   * its own on PostgreSQL, the app's single session on PGlite.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows the tests inspect freely
  query<T = Record<string, any>>(
    text: string,
    params?: unknown[],
  ): Promise<T[]>;
  /** Creates a chat of the token's owner through the API (201) and returns its id. */
  newChat(token: string, title?: string): Promise<string>;
  /** Registers a user through the API and returns their token and id. */
  register(
    email?: string,
    password?: string,
    name?: string,
  ): Promise<{ token: string; id: string; email: string }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables on top of the test defaults. */
  env?: Record<string, string>;
  /** Run on embedded PGlite in a temporary DATA_DIR instead of PostgreSQL. */
  embedded?: boolean;
  /** Reuse this database (e.g. a second API process on the same one) instead of a fresh one. */
  database?: TestDatabase;
  /** Reuse this DATA_DIR (PGlite: reopen the same database). */
  dataDir?: string;
}

let userSeq = 0;

/**
 * Starts the whole API, as main.ts does, listening on a free loopback port:
 * real HTTP, real database (a fresh PostgreSQL database per call, or PGlite).
 */
export async function startTestApp(
  opts: TestAppOptions = {},
): Promise<TestApp> {
  const db = opts.embedded
    ? null
    : (opts.database ?? (await createTestDatabase()));
  const ownDb = !opts.embedded && !opts.database;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tally-test-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'error',
    AI_LOCAL_DELAY_MS: '0',
    // Specs register many users from one address; the throttle has tests of its own.
    REGISTER_MAX_PER_HOUR: '1000000',
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...(opts.env ?? {}),
  };
  const config = loadConfig(env);
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const http = new Http(url);

  const t: TestApp = {
    app,
    config,
    url,
    http,
    db,
    dataDir,
    query<T>(text: string, params: unknown[] = []) {
      return db
        ? (sql(db.url, text, params) as Promise<T[]>)
        : app.get(DatabaseService).query<T>(text, params);
    },
    async newChat(token: string, title?: string) {
      const res = await http.post('/api/chats', title ? { title } : {}, {
        token,
      });
      if (res.status !== 201)
        throw new Error(`new chat failed: ${res.status} ${res.text}`);
      return res.body.id as string;
    },
    async login(email = ADMIN.email, password = ADMIN.password) {
      const res = await http.post('/api/auth/login', { email, password });
      if (res.status !== 200)
        throw new Error(`login ${email} failed: ${res.status} ${res.text}`);
      return res.body.access_token as string;
    },
    async register(
      email?: string,
      password = 'user-password-1',
      name?: string,
    ) {
      const e = email ?? `user${++userSeq}-${Date.now()}@example.com`;
      const res = await http.post('/api/auth/register', {
        email: e,
        password,
        ...(name ? { name } : {}),
      });
      if (res.status !== 201)
        throw new Error(`register ${e} failed: ${res.status} ${res.text}`);
      return {
        token: res.body.access_token as string,
        id: res.body.user.id as string,
        email: e,
      };
    },
    async close() {
      await app.close();
      if (ownDb && db) await db.drop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
