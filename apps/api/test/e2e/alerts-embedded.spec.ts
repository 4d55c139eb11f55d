import type { QuotaLimit } from '@tally/api-contract';
import { randomUUID } from 'node:crypto';
import { DatabaseService } from '../../src/database/database.service';
import { AlertsService } from '../../src/modules/alerts/alerts.service';
import { SettingsService } from '../../src/modules/settings/settings.service';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  startWebhookReceiver,
  verifySignature,
  type WebhookReceiver,
} from '../support/webhook-receiver';

/**
 * On embedded PGlite (one session, every transaction alone): recording
 * inside a transaction never waits for itself, even when the settings must
 * be read again, and the worker delivers through the same single session.
 */
describe('alerts on embedded PGlite', () => {
  let t: TestApp;
  let admin: string;
  let r: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({
      embedded: true,
      env: { ALERTS_POLL_MS: '100' },
    });
    admin = await t.login();
    r = await startWebhookReceiver();
    const res = await t.http.patch(
      '/api/admin/settings',
      { alert_webhook_url: r.url, alert_webhook_secret: 'embedded-secret' },
      { token: admin },
    );
    expect(res.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await r.close();
    await t.close();
  });

  it('records in a transaction with stale settings and delivers one signed POST', async () => {
    const settings = t.app.get(SettingsService);
    // The cached settings have expired: recording must not wait for a read.
    const now = settings.now;
    settings.now = () => now() + 60_000;
    const limit: QuotaLimit = {
      id: randomUUID(),
      subject: 'everyone',
      subject_id: null,
      subject_name: null,
      metric: 'tokens',
      window: 'month',
      model: null,
      shared: true,
      amount: 1000,
      used: 1000,
      limit: 1000,
      remaining: 0,
      resets_at: '2027-01-01T00:00:00.000Z',
    };
    const seen = await t.app.get(DatabaseService).inTransaction((tx) =>
      t.app.get(AlertsService).recordCrossings(tx, [
        {
          limit,
          before: 700,
          after: 1000,
          periodStart: '2026-12-01',
          user: null,
        },
      ]),
    );
    settings.now = now;
    expect(seen).toBe(2);
    const deadline = Date.now() + 10_000;
    while (r.received.length < 2 && Date.now() < deadline)
      await new Promise((ok) => setTimeout(ok, 50));
    await new Promise((ok) => setTimeout(ok, 500));
    expect(r.received.map((x) => x.body.threshold).sort()).toEqual([100, 80]);
    for (const got of r.received)
      expect(
        verifySignature(
          got.headers['tally-signature'],
          got.text,
          'embedded-secret',
        ),
      ).toBe(true);
    const list = await t.http.get('/api/admin/alerts', { token: admin });
    expect(list.body.total).toBe(2);
    expect(
      list.body.items.every(
        (a: { delivered_at: string | null }) => a.delivered_at,
      ),
    ).toBe(true);

    const test = await t.http.post('/api/admin/alerts/test', undefined, {
      token: admin,
    });
    expect(test.body).toMatchObject({ delivered: true, status: 200 });
    expect(r.received).toHaveLength(3);
  });

  it('records and delivers the crossings of a real send, settled inside its transaction', async () => {
    const u = await t.register(undefined, undefined, 'Pia');
    const own = await t.http.patch(
      `/api/admin/users/${u.id}`,
      { max_ai_messages_per_day: 1 },
      { token: admin },
    );
    expect(own.status).toBe(200);
    const chat = await t.newChat(u.token);
    const before = r.received.length;
    const sent = await t.http.post(
      `/api/chats/${chat}/messages?stream=false`,
      { content: 'hello' },
      { token: u.token },
    );
    expect(sent.status).toBe(200);
    const deadline = Date.now() + 10_000;
    while (r.received.length < before + 2 && Date.now() < deadline)
      await new Promise((ok) => setTimeout(ok, 50));
    const mine = r.received.slice(before);
    expect(mine.map((x) => x.body.threshold).sort()).toEqual([100, 80]);
    for (const got of mine)
      expect(got.body.user).toEqual({ id: u.id, email: u.email, name: 'Pia' });
  });
});
