import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../../support/fake-openai-server';
import { Http } from '../../support/http';
import type { Counters } from '../../support/quota';
import {
  createTestDatabase,
  sql,
  type TestDatabase,
} from '../../support/test-db';
import {
  ADMIN,
  type ApiProcess,
  killAll,
  startApiProcess,
  until,
} from './api-process';

/**
 * Built API processes on one fresh PostgreSQL database, all pointed at one
 * fake OpenAI-compatible server, and the calls and queries the specs make.
 */
export interface Cluster {
  db: TestDatabase;
  fake: FakeOpenAi;
  /** Runs one statement on the cluster's database. */
  query<T = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<T[]>;
  /** The seeded admin's access token (valid on every process: one JWT secret), from the first start. */
  admin: string;
  /** Starts one more process on the database, with the cluster's environment (start them one by one). */
  start(name: string, startTimeoutMs?: number): Promise<ApiProcess>;
  http(p: ApiProcess): Http;
  /** Registers a user through `p`, then sets their own daily message limit (null: the default). */
  newUser(
    p: ApiProcess,
    messages?: number | null,
  ): Promise<{ id: string; token: string }>;
  newChat(p: ApiProcess, token: string): Promise<string>;
  /** Changes settings through the first process, then waits until every one of `everywhere` serves them. */
  setSettings(
    values: Record<string, unknown>,
    everywhere: ApiProcess[],
  ): Promise<void>;
  /** The user's counters, summed over days. */
  counters(userId: string): Promise<Counters>;
  /** What the stored answers were charged: what the counters must agree with. */
  charged(userId: string): Promise<{ messages: number; tokens: number }>;
  /** Stored messages of the user, user's and assistant's, by role and status. */
  storedMessages(userId: string): Promise<StoredMessage[]>;
  /** The user's rows in `stream_slots`, with whether they are still live. */
  slots(userId: string): Promise<Array<{ slot: number; live: boolean }>>;
  /** The user's rows in `usage_holds`. */
  holds(
    userId: string,
  ): Promise<Array<{ tokens: number; released: boolean; live: boolean }>>;
  /**
   * Asserts that the user's counters hold nothing and equal what the stored
   * answers were charged, `messages` of them. Returns the charged tokens.
   */
  expectSettled(userId: string, messages: number): Promise<number>;
  /** Kills every process still running, stops the fake server, drops the database. */
  close(): Promise<void>;
}

export type { Counters };

export interface StoredMessage {
  role: string;
  status: string;
}

export async function startCluster(
  env: Record<string, string> = {},
): Promise<Cluster> {
  const db = await createTestDatabase();
  const fake = await startFakeOpenAi().catch(async (err) => {
    await db.drop();
    throw err;
  });
  const processEnv = {
    AI_PROVIDER: 'openai',
    AI_BASE_URL: fake.url,
    AI_API_KEY: 'sk-test',
    AI_TIMEOUT_MS: '30000',
    ...env,
  };
  const q = <T>(text: string, params: unknown[] = []) =>
    sql(db.url, text, params) as Promise<T[]>;

  const c: Cluster = {
    db,
    fake,
    query: q,
    admin: '',
    async start(name, startTimeoutMs) {
      const p = await startApiProcess({
        name,
        databaseUrl: db.url,
        env: processEnv,
        startTimeoutMs,
      });
      if (!c.admin) {
        const login = await c.http(p).post('/api/auth/login', {
          email: ADMIN.email,
          password: ADMIN.password,
        });
        if (login.status !== 200)
          throw new Error(`admin login failed: ${login.status} ${login.text}`);
        c.admin = login.body.access_token as string;
      }
      return p;
    },
    http: (p) => new Http(p.url),
    async newUser(p, messages = null) {
      const email = `user-${Math.random().toString(36).slice(2)}@example.com`;
      const res = await c
        .http(p)
        .post('/api/auth/register', { email, password: 'user-password-1' });
      if (res.status !== 201)
        throw new Error(`register failed: ${res.status} ${res.text}`);
      const id = res.body.user.id as string;
      const limits = await c
        .http(p)
        .patch(
          `/api/admin/users/${id}`,
          { max_ai_messages_per_day: messages },
          { token: c.admin },
        );
      if (limits.status !== 200)
        throw new Error(`limits failed: ${limits.status} ${limits.text}`);
      return { id, token: res.body.access_token as string };
    },
    async newChat(p, token) {
      const res = await c.http(p).post('/api/chats', {}, { token });
      if (res.status !== 201)
        throw new Error(`new chat failed: ${res.status} ${res.text}`);
      return res.body.id as string;
    },
    async setSettings(values, everywhere) {
      const res = await c
        .http(everywhere[0])
        .patch('/api/admin/settings', values, { token: c.admin });
      if (res.status !== 200)
        throw new Error(`settings failed: ${res.status} ${res.text}`);
      // Each process may serve its cached settings a little longer.
      for (const p of everywhere) {
        await until(
          `settings ${JSON.stringify(values)} served by ${p.name}`,
          async () =>
            (await c.http(p).get('/api/admin/settings', { token: c.admin }))
              .body,
          (s) => Object.entries(values).every(([k, v]) => s[k] === v),
        );
      }
    },
    async counters(userId) {
      const [row] = await q<Counters>(
        `SELECT coalesce(sum(messages), 0)::int AS messages,
                coalesce(sum(held_messages), 0)::int AS held_messages,
                coalesce(sum(tokens), 0)::int AS tokens,
                coalesce(sum(held_tokens), 0)::int AS held_tokens
         FROM usage_counters WHERE scope = 'u:' || $1 || ':day:*'`,
        [userId],
      );
      return row;
    },
    async charged(userId) {
      const [row] = await q<{ messages: number; tokens: number }>(
        `SELECT count(*)::int AS messages,
                coalesce(sum(m.prompt_tokens + m.completion_tokens), 0)::int AS tokens
         FROM messages m JOIN chats c ON c.id = m.chat_id
         WHERE c.user_id = $1 AND m.role = 'assistant' AND m.prompt_tokens IS NOT NULL`,
        [userId],
      );
      return row;
    },
    storedMessages: (userId) =>
      q<StoredMessage>(
        `SELECT m.role, m.status FROM messages m JOIN chats c ON c.id = m.chat_id
         WHERE c.user_id = $1 ORDER BY m.role, m.status`,
        [userId],
      ),
    slots: (userId) =>
      q<{ slot: number; live: boolean }>(
        `SELECT slot, expires_at >= now() AS live FROM stream_slots
         WHERE user_id = $1 ORDER BY slot`,
        [userId],
      ),
    holds: (userId) =>
      q<{ tokens: number; released: boolean; live: boolean }>(
        `SELECT tokens::int AS tokens, released_at IS NOT NULL AS released,
                expires_at >= now() AS live
         FROM usage_holds WHERE user_id = $1 ORDER BY expires_at`,
        [userId],
      ),
    async expectSettled(userId, messages) {
      const charged = await c.charged(userId);
      expect(charged.messages).toBe(messages);
      expect(await c.counters(userId)).toEqual({
        messages,
        held_messages: 0,
        tokens: charged.tokens,
        held_tokens: 0,
      });
      return charged.tokens;
    },
    async close() {
      try {
        await killAll();
        await fake.close();
      } finally {
        await db.drop();
      }
    },
  };

  return c;
}

/**
 * For a spec file: a cluster with the quota holds' TTL at 3 s and their
 * heartbeat at 1 s, two processes `a` and `b` started before the tests, the
 * fake provider reset before each test, everything stopped after them.
 * The fields are set once `beforeAll` has run.
 */
export function twoProcessesPerFile(): {
  c: Cluster;
  a: ApiProcess;
  b: ApiProcess;
} {
  const s = {} as { c: Cluster; a: ApiProcess; b: ApiProcess };
  beforeAll(async () => {
    s.c = await startCluster({
      QUOTA_HOLD_TTL_SECONDS: '3',
      QUOTA_HOLD_HEARTBEAT_SECONDS: '1',
    });
    s.a = await s.c.start('A');
    s.b = await s.c.start('B');
  });
  afterAll(() => s.c?.close());
  beforeEach(() => s.c.fake.reset());
  return s;
}
