import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../support/fake-openai-server';
import { addLimit } from '../support/limits';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  startWebhookReceiver,
  verifySignature,
  type WebhookReceiver,
} from '../support/webhook-receiver';

const SECRET = 'whsec-sends-0123456789';

/**
 * Alerts from real chat sends: the settle of each answer records the
 * thresholds it crossed, in its own transaction, and the receiver gets one
 * signed POST per crossing: per user for a personal limit, once for a
 * shared pool, however the sends interleave.
 */
describe('alerts from chat sends (PostgreSQL)', () => {
  let t: TestApp;
  let fake: FakeOpenAi;
  let admin: string;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    t = await startTestApp({
      env: {
        ALERTS_POLL_MS: '100',
        AI_PROVIDER: 'openai',
        AI_BASE_URL: fake.url,
        AI_API_KEY: 'sk-test',
      },
    });
    admin = await t.login();
    receiver = await startWebhookReceiver();
    const res = await t.http.patch(
      '/api/admin/settings',
      {
        alert_webhook_url: receiver.url,
        alert_webhook_secret: SECRET,
        alert_thresholds: [40, 100],
      },
      { token: admin },
    );
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
    await fake?.close();
  });

  async function send(token: string, chat: string): Promise<number> {
    const res = await t.http.post(
      `/api/chats/${chat}/messages?stream=false`,
      { content: 'hello' },
      { token },
    );
    return res.status;
  }

  it('sends one signed POST per crossing of a personal limit and of a shared pool', async () => {
    const pool = await addLimit(t, {
      subject: 'everyone',
      metric: 'messages',
      window: 'month',
      shared: true,
      amount: 10,
    });
    const u = await t.register(undefined, undefined, 'Una');
    const v = await t.register(undefined, undefined, 'Vic');
    const own = await t.http.patch(
      `/api/admin/users/${u.id}`,
      { max_ai_messages_per_day: 5 },
      { token: admin },
    );
    expect(own.status).toBe(200);
    const uChat = await t.newChat(u.token);
    const vChats = await Promise.all([1, 2, 3].map(() => t.newChat(v.token)));

    // U: 5 sends, one at a time, then one refused (its own limit).
    for (let i = 0; i < 5; i++) expect(await send(u.token, uChat)).toBe(200);
    expect(await send(u.token, uChat)).toBe(429);
    // V: 5 sends, three then two at once (3 answers at a time), filling the pool of 10.
    for (const batch of [
      [0, 1, 2],
      [0, 1],
    ]) {
      const statuses = await Promise.all(
        batch.map((c) => send(v.token, vChats[c])),
      );
      expect(statuses).toEqual(batch.map(() => 200));
    }
    expect(await send(v.token, vChats[2])).toBe(429); // the pool is used up

    // U's limit: 40 % at 2 of 5, 100 % at 5; the pool: 40 % at 4, 100 % at 10.
    const deadline = Date.now() + 10_000;
    while (receiver.received.length < 4 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    const got = receiver.received.map((r) => ({
      pool: r.body.limit.id === pool,
      threshold: r.body.threshold,
      user: r.body.user?.id ?? null,
      used: r.body.limit.used,
    }));
    got.sort((a, b) => +a.pool - +b.pool || a.threshold - b.threshold);
    expect(got).toEqual([
      { pool: false, threshold: 40, user: u.id, used: 2 },
      { pool: false, threshold: 100, user: u.id, used: 5 },
      { pool: true, threshold: 40, user: null, used: 4 },
      { pool: true, threshold: 100, user: null, used: 10 },
    ]);
    expect(new Set(receiver.received.map((r) => r.body.id)).size).toBe(4);
    for (const r of receiver.received) {
      expect(
        verifySignature(r.headers['tally-signature'], r.text, SECRET),
      ).toBe(true);
      expect(r.body.type).toBe('limit.threshold');
    }
    const mine = receiver.received.find((r) => r.body.user?.id === u.id);
    expect(mine?.body.user).toEqual({ id: u.id, email: u.email, name: 'Una' });
    expect(mine?.body.limit).toMatchObject({
      subject: 'user',
      subject_id: u.id,
      metric: 'messages',
      window: 'day',
      shared: false,
      limit: 5,
    });
    const list = await t.http.get('/api/admin/alerts', { token: admin });
    expect(list.body.total).toBe(4);
    expect(fake.requests.length).toBeGreaterThanOrEqual(10);
    expect(
      list.body.items.every(
        (a: { delivered_at: string | null }) => a.delivered_at,
      ),
    ).toBe(true);
  });
});
