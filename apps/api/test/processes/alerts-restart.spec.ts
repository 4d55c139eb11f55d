import { randomUUID } from 'node:crypto';
import { Http } from '../support/http';
import { createTestDatabase, sql, type TestDatabase } from '../support/test-db';
import {
  startWebhookReceiver,
  verifySignature,
  type WebhookReceiver,
} from '../support/webhook-receiver';
import {
  ADMIN,
  type ApiProcess,
  killAll,
  startApiProcess,
  until,
} from './support/api-process';

const SECRET = 'whsec-processes-0123456789';

/**
 * The alerts outbox across API processes: each due alert is delivered once
 * however many processes look for it, and the alerts of a send settled by a
 * process that dies before delivering them are delivered by the next one.
 */
describe('alerts across API processes', () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  const q = (text: string, params: unknown[] = []) => sql(db.url, text, params);

  const start = (name: string, env: Record<string, string> = {}) =>
    startApiProcess({
      name,
      databaseUrl: db.url,
      env: {
        // The webhook secret is stored encrypted; production needs the key.
        SECRETS_KEY: 'ab'.repeat(32),
        ALERTS_FIRST_RETRY_MS: '200',
        ALERTS_MAX_RETRY_MS: '400',
        ALERTS_TIMEOUT_MS: '500',
        ...env,
      },
      startTimeoutMs: 60_000,
    });

  /** Points the webhook at the receiver, through `p`. */
  async function configure(p: ApiProcess): Promise<void> {
    const http = new Http(p.url);
    const login = await http.post('/api/auth/login', ADMIN);
    const res = await http.patch(
      '/api/admin/settings',
      {
        alert_webhook_url: receiver.url,
        alert_webhook_secret: SECRET,
        alert_thresholds: [50, 100],
      },
      { token: login.body.access_token },
    );
    expect(res.status).toBe(200);
  }

  /** An alert as a settle records it: due now. */
  async function recorded(threshold: number): Promise<string> {
    const [row] = await q(
      `INSERT INTO alerts (type, threshold, limit_id, user_id, period_start, payload, next_attempt_at)
       VALUES ('limit.threshold', $1, $2, NULL, '2026-12-01', $3, now()) RETURNING id`,
      [threshold, randomUUID(), JSON.stringify({ limit: null, user: null })],
    );
    return row.id as string;
  }

  const received = () => receiver.received.map((r) => r.body.id as string);

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await killAll();
    await receiver.close();
  });
  afterAll(() => db.drop());

  it('delivers each due alert once, however many processes look for it', async () => {
    const a = await start('A', { ALERTS_POLL_MS: '50' });
    const b = await start('B', { ALERTS_POLL_MS: '50' });
    await configure(a);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await recorded(50));
    await until(
      'all delivered',
      async () => received().length,
      (n) => n >= 40,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(received().sort()).toEqual(ids.sort());
    for (const got of receiver.received)
      expect(
        verifySignature(got.headers['tally-signature'], got.text, SECRET),
      ).toBe(true);
    await a.stop();
    await b.stop();
  });

  it('delivers, after a restart, the alerts of a send settled by a process killed before delivering them', async () => {
    // A records alerts but delivers none (ALERTS_POLL_MS=0): it dies with them undelivered.
    const a = await start('A', { ALERTS_POLL_MS: '0' });
    await configure(a);
    const http = new Http(a.url);
    const admin = (await http.post('/api/auth/login', ADMIN)).body
      .access_token as string;
    const email = `killed-${randomUUID()}@example.com`;
    const reg = await http.post('/api/auth/register', {
      email,
      password: 'user-password-1',
      name: 'Kim',
    });
    expect(reg.status).toBe(201);
    const user = reg.body.user.id as string;
    const token = reg.body.access_token as string;
    expect(
      (
        await http.patch(
          `/api/admin/users/${user}`,
          { max_ai_messages_per_day: 1 },
          { token: admin },
        )
      ).status,
    ).toBe(200);
    const chat = (await http.post('/api/chats', {}, { token })).body.id;
    // One message of 1 reaches 50 % and 100 % of the user's daily limit.
    const sent = await http.post(
      `/api/chats/${chat}/messages?stream=false`,
      { content: 'hello' },
      { token },
    );
    expect(sent.status).toBe(200);
    const rows = await q(
      `SELECT id, threshold, delivered_at FROM alerts WHERE user_id = $1 ORDER BY threshold`,
      [user],
    );
    expect(rows.map((r) => [r.threshold, r.delivered_at])).toEqual([
      [50, null],
      [100, null],
    ]);
    await new Promise((r) => setTimeout(r, 500));
    expect(received()).toEqual([]);
    expect(await a.kill()).toEqual({ code: null, signal: 'SIGKILL' });

    const b = await start('B');
    await until(
      'delivered by B',
      async () => received(),
      (ids) => ids.length >= 2,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(received().sort()).toEqual(rows.map((r) => r.id).sort());
    for (const got of receiver.received) {
      expect(
        verifySignature(got.headers['tally-signature'], got.text, SECRET),
      ).toBe(true);
      expect(got.body.user).toEqual({ id: user, email, name: 'Kim' });
      expect(got.body.limit).toMatchObject({
        subject: 'user',
        metric: 'messages',
        used: 1,
        limit: 1,
      });
    }
    const after = await q(
      'SELECT attempts, delivered_at FROM alerts WHERE user_id = $1',
      [user],
    );
    expect(after.map((r) => r.attempts)).toEqual([1, 1]);
    expect(after.every((r) => r.delivered_at !== null)).toBe(true);
    await b.stop();
  });

  it('delivers again, after a restart, an alert whose process was killed in the middle of its POST', async () => {
    receiver.statuses.push(0); // the first POST is never answered
    const a = await start('A');
    await configure(a);
    const id = await recorded(50);
    await until(
      'A is posting',
      async () => received(),
      (ids) => ids.length === 1,
    );
    await a.kill();
    const b = await start('B');
    // Once A's claim has lapsed (twice the timeout, plus 5 s), B sends it again.
    await until(
      'sent again by B',
      async () => received(),
      (ids) => ids.length >= 2,
      20_000,
    );
    expect(received()).toEqual([id, id]);
    await until(
      'recorded as delivered',
      async () =>
        (
          await q('SELECT attempts, delivered_at FROM alerts WHERE id = $1', [
            id,
          ])
        )[0],
      (row) => row.delivered_at !== null,
    );
    await b.stop();
  });
});
