import type { QuotaLimit } from '@tally/api-contract';
import { randomUUID } from 'node:crypto';
import { DatabaseService, type Tx } from '../../src/database/database.service';
import {
  AlertsService,
  type LimitUse,
  NO_WEBHOOK_URL,
} from '../../src/modules/alerts/alerts.service';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  startWebhookReceiver,
  verifySignature,
  type WebhookReceiver,
} from '../support/webhook-receiver';

const SECRET = 'whsec-alerts-spec-0123456789';
const FIRST_RETRY_MS = 200;

/** A limit as the settle passes it: `limit` messages, `used` of them used. */
function quotaLimit(limit: number, used: number, shared = false): QuotaLimit {
  return {
    id: randomUUID(),
    subject: shared ? 'everyone' : 'user',
    subject_id: null,
    subject_name: null,
    metric: 'messages',
    window: 'day',
    model: null,
    shared,
    amount: limit,
    used,
    limit,
    remaining: Math.max(0, limit - used),
    resets_at: '2026-12-02T00:00:00.000Z',
  };
}

async function until<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`${what}: last seen ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('alerts: the outbox and its delivery (PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let alerts: AlertsService;
  let db: DatabaseService;
  let user: { id: string; email: string; name: string };
  let receiver: WebhookReceiver | null = null;

  /** Records `uses` as a settle does: in one transaction of its own. */
  const record = (uses: LimitUse[]) =>
    db.inTransaction((tx) => alerts.recordCrossings(tx, uses));
  const use = (
    limit: QuotaLimit,
    before: number,
    after: number,
    who: LimitUse['user'] = user,
  ): LimitUse => ({
    limit: { ...limit, used: after, remaining: limit.limit - after },
    before,
    after,
    periodStart: '2026-12-01',
    user: limit.shared ? null : who,
  });
  const rowsOf = (limitId: string) =>
    t.query(
      `SELECT id, threshold, user_id, attempts, delivered_at, last_error, next_attempt_at
       FROM alerts WHERE limit_id = $1 ORDER BY threshold, user_id`,
      [limitId],
    );
  const settings = async (body: Record<string, unknown>) => {
    const res = await t.http.patch('/api/admin/settings', body, {
      token: admin,
    });
    expect(res.status).toBe(200);
  };
  async function receive(statuses: number[] = []) {
    await receiver?.close();
    receiver = await startWebhookReceiver(statuses);
    await settings({
      alert_webhook_url: receiver.url,
      alert_webhook_secret: SECRET,
    });
    return receiver;
  }

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ALERTS_POLL_MS: '100',
        ALERTS_FIRST_RETRY_MS: String(FIRST_RETRY_MS),
        ALERTS_MAX_RETRY_MS: '400',
        ALERTS_GIVE_UP_SECONDS: '2',
        ALERTS_TIMEOUT_MS: '2000',
      },
    });
    admin = await t.login();
    alerts = t.app.get(AlertsService);
    db = t.app.get(DatabaseService);
    const u = await t.register(undefined, undefined, 'Ada');
    user = { id: u.id, email: u.email, name: 'Ada' };
    await settings({ alert_thresholds: [50, 80, 100] });
  });
  afterAll(async () => {
    await receiver?.close();
    await t.close();
  });

  it('makes no query at all when nothing crosses', async () => {
    const noQuery: Tx = {
      query: () => Promise.reject(new Error('no query was expected')),
    };
    const l = quotaLimit(10, 0);
    await expect(
      alerts.recordCrossings(noQuery, [
        use(l, 0, 4), // below 50%
        use(l, 5, 7), // 50% was reached before
        use(l, 4, 4), // nothing used
        use(quotaLimit(0, 0), 0, 3), // a limit of 0 has no percentages
        use(l, 10, 12), // over, but 100% was reached before
      ]),
    ).resolves.toBe(0);
    await expect(alerts.recordCrossings(noQuery, [])).resolves.toBe(0);
  });

  it('records a crossing in the settle transaction: a rollback records nothing', async () => {
    const l = quotaLimit(10, 0);
    await expect(
      db.inTransaction(async (tx) => {
        await alerts.recordCrossings(tx, [use(l, 0, 10)]);
        throw new Error('the settle failed');
      }),
    ).rejects.toThrow('the settle failed');
    expect(await rowsOf(l.id)).toEqual([]);
  });

  it('sends exactly one signed POST per crossing, never two ids for one crossing', async () => {
    const r = await receive();
    const personal = quotaLimit(10, 0);
    const shared = quotaLimit(1000, 0, true);
    const other = { id: randomUUID(), email: 'b@example.com', name: 'B' };

    // 4 → 8 of 10 reaches 50% and 80%; the shared pool 700 → 850 reaches 80%.
    expect(await record([use(personal, 4, 8), use(shared, 700, 850)])).toBe(3);
    // The same settle seen again (a retried transaction) adds nothing.
    await record([use(personal, 4, 8)]);
    // Five settles at once all see 8 → 10 (100%): one alert.
    // Two users' settles both see the shared pool reach 80%: one alert.
    await Promise.all([
      ...Array.from({ length: 5 }, () => record([use(personal, 8, 10)])),
      record([use(shared, 790, 810, other)]),
    ]);
    // Another user's use of the same personal limit is another crossing.
    await record([use(personal, 0, 10, other)]);

    const expected = 4 + 3; // user: 50, 80, 100; pool: 80; other: 50, 80, 100
    await until(
      'all delivered',
      () => r.received.length,
      (n) => n >= expected,
    );
    await pause(800); // and nothing more comes
    expect(r.received).toHaveLength(expected);

    const rows = [...(await rowsOf(personal.id)), ...(await rowsOf(shared.id))];
    expect(rows).toHaveLength(expected);
    const ids = r.received.map((x) => x.body.id);
    expect(new Set(ids).size).toBe(expected);
    expect([...ids].sort()).toEqual(rows.map((x) => x.id).sort());
    for (const row of rows) {
      expect(row).toMatchObject({ attempts: 1, last_error: null });
      expect(row.delivered_at).not.toBeNull();
    }
    for (const got of r.received) {
      expect(
        verifySignature(got.headers['tally-signature'], got.text, SECRET),
      ).toBe(true);
      expect(
        verifySignature(got.headers['tally-signature'], got.text, 'wrong'),
      ).toBe(false);
      const t0 = Number(
        /t=(\d+)/.exec(String(got.headers['tally-signature']))?.[1],
      );
      expect(Math.abs(t0 - got.at / 1000)).toBeLessThan(5);
      expect(got.headers['content-type']).toBe('application/json');
      expect(Object.keys(got.body)).toEqual([
        'id',
        'type',
        'threshold',
        'limit',
        'user',
        'created_at',
      ]);
      expect(got.body.type).toBe('limit.threshold');
    }
    const pool = r.received.filter((x) => x.body.limit.id === shared.id);
    expect(pool.map((x) => [x.body.threshold, x.body.user])).toEqual([
      [80, null],
    ]);
    expect(pool[0].body.limit).toMatchObject({
      shared: true,
      used: 850,
      limit: 1000,
    });
    const mine = r.received
      .filter((x) => x.body.user?.id === user.id)
      .map((x) => x.body.threshold)
      .sort((a, b) => a - b);
    expect(mine).toEqual([50, 80, 100]);
    const first = r.received.find(
      (x) => x.body.user?.id === user.id && x.body.threshold === 50,
    );
    expect(first?.body.user).toEqual(user);
    expect(first?.body.limit).toMatchObject({
      id: personal.id,
      used: 8,
      limit: 10,
    });
  });

  it('retries a receiver that fails twice, with backoff, and it gets the same id three times', async () => {
    const r = await receive([500, 503]);
    const l = quotaLimit(10, 0);
    await record([use(l, 7, 8)]);
    await until(
      'three attempts',
      () => r.received.length,
      (n) => n >= 3,
    );
    await pause(600);
    expect(r.received).toHaveLength(3);
    const [a, b, c] = r.received;
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(1);
    expect(b.text).toBe(a.text);
    expect(c.text).toBe(a.text);
    for (const got of r.received)
      expect(
        verifySignature(got.headers['tally-signature'], got.text, SECRET),
      ).toBe(true);
    // The first retry after ALERTS_FIRST_RETRY_MS, the next after twice that.
    expect(b.at - a.at).toBeGreaterThanOrEqual(FIRST_RETRY_MS - 20);
    expect(c.at - b.at).toBeGreaterThanOrEqual(2 * FIRST_RETRY_MS - 20);
    const [row] = await rowsOf(l.id);
    expect(row).toMatchObject({
      id: a.body.id,
      attempts: 3,
      last_error: null,
      next_attempt_at: null,
    });
    expect(row.delivered_at).not.toBeNull();
  });

  it('gives up once the give-up time is over, and records why', async () => {
    await receiver?.close();
    const down = await startWebhookReceiver();
    const url = down.url;
    await down.close(); // nothing listens there any more
    await settings({ alert_webhook_url: url });
    const l = quotaLimit(10, 0);
    await record([use(l, 0, 5)]);
    const [row] = await until(
      'given up',
      () => rowsOf(l.id),
      (rows) => rows[0]?.last_error?.startsWith('Gave up') ?? false,
    );
    expect(row.delivered_at).toBeNull();
    expect(row.next_attempt_at).toBeNull();
    expect(row.attempts).toBeGreaterThanOrEqual(3);
    expect(row.last_error).toMatch(
      /^Gave up after \d+ attempts: .*ECONNREFUSED/,
    );
  });

  it('records a crossing while no webhook URL is set, and never sends it', async () => {
    await settings({ alert_webhook_url: null });
    const l = quotaLimit(10, 0);
    await record([use(l, 0, 5)]);
    const [row] = await rowsOf(l.id);
    expect(row).toMatchObject({
      attempts: 0,
      last_error: NO_WEBHOOK_URL,
      next_attempt_at: null,
    });
    const r = await receive();
    await pause(500);
    expect(r.received).toEqual([]);
  });

  it('sends a test alert at once and says what happened', async () => {
    const r = await receive();
    const ok = await t.http.post('/api/admin/alerts/test', undefined, {
      token: admin,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      id: expect.any(String),
      delivered: true,
      status: 200,
      error: null,
      duration_ms: expect.any(Number),
    });
    expect(r.received).toHaveLength(1);
    const [got] = r.received;
    expect(got.body).toEqual({
      id: ok.body.id,
      type: 'test',
      threshold: null,
      limit: null,
      user: null,
      created_at: expect.any(String),
    });
    expect(
      verifySignature(got.headers['tally-signature'], got.text, SECRET),
    ).toBe(true);

    r.statuses.push(502);
    const failed = await t.http.post(
      '/api/admin/alerts/test',
      {},
      { token: admin },
    );
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ delivered: false, status: 502 });
    expect(failed.body.error).toContain('502');

    // Without a secret: sent unsigned.
    await settings({ alert_webhook_secret: null });
    await t.http.post('/api/admin/alerts/test', undefined, { token: admin });
    expect(r.received[2].headers['tally-signature']).toBeUndefined();

    const list = await t.http.get('/api/admin/alerts?page_size=3', {
      token: admin,
    });
    expect(list.body.items.map((a: { type: string }) => a.type)).toEqual([
      'test',
      'test',
      'test',
    ]);
    expect(list.body.items[1]).toMatchObject({
      id: failed.body.id,
      delivered_at: null,
      attempts: 1,
      next_attempt_at: null,
      last_error: failed.body.error,
    });
    // Test alerts are not retried.
    await pause(500);
    expect(r.received).toHaveLength(3);

    await settings({ alert_webhook_url: null });
    const none = await t.http.post('/api/admin/alerts/test', undefined, {
      token: admin,
    });
    expect(none.status).toBe(409);
    expect(none.body.code).toBe('ALERT_WEBHOOK_NOT_SET');
  });

  it('lists the alerts newest first, paged, for admins only', async () => {
    const all = await t.http.get('/api/admin/alerts', { token: admin });
    expect(all.status).toBe(200);
    const [{ total }] = await t.query(
      'SELECT count(*)::int AS total FROM alerts',
    );
    expect(all.body).toMatchObject({ total, page: 1, page_size: 50 });
    expect(all.body.items).toHaveLength(Math.min(total, 50));
    const times = all.body.items.map(
      (a: { created_at: string }) => a.created_at,
    );
    expect(times).toEqual([...times].sort().reverse());
    expect(Object.keys(all.body.items.at(-1)).sort()).toEqual([
      'attempts',
      'created_at',
      'delivered_at',
      'id',
      'last_error',
      'limit',
      'next_attempt_at',
      'threshold',
      'type',
      'user',
    ]);
    const p2 = await t.http.get('/api/admin/alerts?page=2&page_size=2', {
      token: admin,
    });
    expect(p2.body).toMatchObject({ total, page: 2, page_size: 2 });
    expect(p2.body.items).toEqual(all.body.items.slice(2, 4));
    const beyond = await t.http.get('/api/admin/alerts?page=1000', {
      token: admin,
    });
    expect(beyond.body).toMatchObject({ items: [], total });

    for (const q of [
      'page=0',
      'page_size=0',
      'page_size=201',
      'page=x',
      'page_size=1.5',
      'sort=id',
    ]) {
      const res = await t.http.get(`/api/admin/alerts?${q}`, { token: admin });
      expect([q, res.status]).toEqual([q, 400]);
    }
    const someone = await t.register();
    for (const [method, path] of [
      ['GET', '/api/admin/alerts'],
      ['POST', '/api/admin/alerts/test'],
    ]) {
      expect(
        (
          await t.http.request(method, path, undefined, {
            token: someone.token,
          })
        ).status,
      ).toBe(403);
      expect((await t.http.request(method, path)).status).toBe(401);
    }
  });
});

describe('alerts in production without SECRETS_KEY', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => t.close());

  it('refuses a webhook secret, and then changes nothing else of the request', async () => {
    const admin = await t.login();
    const before = (await t.http.get('/api/admin/settings', { token: admin }))
      .body;
    const res = await t.http.patch(
      '/api/admin/settings',
      {
        default_max_ai_messages_per_day: 7,
        alert_webhook_url: 'https://example.com/hook',
        alert_webhook_secret: 'whsec-1',
      },
      { token: admin },
    );
    expect([res.status, res.body.code]).toEqual([400, 'SECRETS_KEY_REQUIRED']);
    expect(
      (await t.http.get('/api/admin/settings', { token: admin })).body,
    ).toEqual(before);
    // The URL alone needs no key: alerts are then sent unsigned.
    const url = await t.http.patch(
      '/api/admin/settings',
      { alert_webhook_url: 'https://example.com/hook' },
      { token: admin },
    );
    expect(url.body).toMatchObject({
      alert_webhook_url: 'https://example.com/hook',
      has_alert_webhook_secret: false,
    });
  });
});
