import { sql } from '../support/test-db';
import { ADMIN, startTestApp, type TestApp } from '../support/test-app';

describe('admin: users and settings (PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t.close());

  it('creates users, with role and name, and rejects a taken email', async () => {
    const res = await t.http.post(
      '/api/admin/users',
      {
        email: 'Grace@Example.com',
        password: 'password-123',
        name: 'Grace Hopper',
        role: 'admin',
      },
      { token: admin },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      email: 'grace@example.com',
      name: 'Grace Hopper',
      role: 'admin',
      is_active: true,
      max_ai_messages_per_day: null,
      max_ai_tokens_per_day: null,
      effective_max_ai_messages_per_day: 100,
      effective_max_ai_tokens_per_day: 500000,
    });
    expect(await t.login('grace@example.com', 'password-123')).toEqual(
      expect.any(String),
    );
    const dup = await t.http.post(
      '/api/admin/users',
      { email: 'grace@example.com', password: 'password-123' },
      { token: admin },
    );
    expect(dup.status).toBe(409);
  });

  it('lists with search and pagination', async () => {
    for (let i = 1; i <= 7; i++) {
      const r = await t.http.post(
        '/api/admin/users',
        {
          email: `page${i}@list.test`,
          password: 'password-123',
          name: `Lister ${i}`,
        },
        { token: admin },
      );
      expect(r.status).toBe(201);
    }
    const p1 = await t.http.get(
      '/api/admin/users?search=LIST.test&page=1&page_size=3',
      { token: admin },
    );
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ total: 7, page: 1, page_size: 3 });
    expect(p1.body.items.map((u: { email: string }) => u.email)).toEqual([
      'page1@list.test',
      'page2@list.test',
      'page3@list.test',
    ]);
    const p3 = await t.http.get(
      '/api/admin/users?search=list.test&page=3&page_size=3',
      { token: admin },
    );
    expect(p3.body.items.map((u: { email: string }) => u.email)).toEqual([
      'page7@list.test',
    ]);
    const byName = await t.http.get('/api/admin/users?search=lister%205', {
      token: admin,
    });
    expect(byName.body.items.map((u: { email: string }) => u.email)).toEqual([
      'page5@list.test',
    ]);
    // LIKE wildcards in the search are taken literally.
    expect(
      (await t.http.get('/api/admin/users?search=%25', { token: admin })).body
        .total,
    ).toBe(0);
    const all = await t.http.get('/api/admin/users', { token: admin });
    expect(all.body.page).toBe(1);
    expect(all.body.page_size).toBe(50);
    expect(all.body.items[0].effective_max_ai_messages_per_day).toBe(100);
  });

  it('rejects out-of-range paging with 400 instead of clamping', async () => {
    for (const q of [
      'page=0',
      'page=-1',
      'page_size=0',
      'page_size=201',
      'page=abc',
      'page_size=1.5',
      'unknown=1',
    ]) {
      const res = await t.http.get(`/api/admin/users?${q}`, { token: admin });
      expect([q, res.status]).toEqual([q, 400]);
    }
    expect(
      (await t.http.get('/api/admin/users?page_size=200', { token: admin }))
        .status,
    ).toBe(200);
  });

  it('updates name, role and active, and 404s an unknown id', async () => {
    const u = await t.register();
    const res = await t.http.patch(
      `/api/admin/users/${u.id}`,
      { name: 'Renamed', role: 'admin' },
      { token: admin },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: u.id,
      name: 'Renamed',
      role: 'admin',
      is_active: true,
    });
    const me = await t.http.get('/api/auth/me', { token: u.token });
    expect(me.body.role).toBe('admin');
    expect(
      (
        await t.http.patch(
          `/api/admin/users/00000000-0000-4000-8000-000000000000`,
          { name: 'x' },
          { token: admin },
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await t.http.patch(
          `/api/admin/users/nope`,
          { name: 'x' },
          { token: admin },
        )
      ).status,
    ).toBe(400);
    for (const body of [
      { role: 'root' },
      { is_active: 'no' },
      { name: 'x'.repeat(101) },
      { email: 'new@example.com' },
      { password: 'short' },
      { password: null },
    ]) {
      const bad = await t.http.patch(`/api/admin/users/${u.id}`, body, {
        token: admin,
      });
      expect([body, bad.status]).toEqual([body, 400]);
    }
    const [row] = await sql(
      t.db!.url,
      'SELECT name, role FROM users WHERE id = $1',
      [u.id],
    );
    expect(row).toEqual({ name: 'Renamed', role: 'admin' });
  });

  it('refuses to demote or deactivate the last active admin (409), even when two admins race', async () => {
    const db = t.db!.url;
    // Leave exactly two active admins: the seeded one and a new one.
    await sql(db, `UPDATE users SET role = 'user' WHERE email <> $1`, [
      ADMIN.email,
    ]);
    const second = await t.http.post(
      '/api/admin/users',
      {
        email: 'second-admin@example.com',
        password: 'password-123',
        role: 'admin',
      },
      { token: admin },
    );
    const secondToken = await t.login(
      'second-admin@example.com',
      'password-123',
    );
    const [me] = await sql(db, 'SELECT id FROM users WHERE email = $1', [
      ADMIN.email,
    ]);

    // Each demotes the other at the same moment: one must be refused.
    const [a, b] = await Promise.all([
      t.http.patch(
        `/api/admin/users/${second.body.id}`,
        { role: 'user' },
        { token: admin },
      ),
      t.http.patch(
        `/api/admin/users/${me.id}`,
        { role: 'user' },
        { token: secondToken },
      ),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409].sort());
    const [{ n }] = await sql(
      db,
      `SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND is_active`,
    );
    expect(n).toBe(1);

    const [last] = await sql(
      db,
      `SELECT id FROM users WHERE role = 'admin' AND is_active`,
    );
    const lastToken = last.id === me.id ? admin : secondToken;
    const demote = await t.http.patch(
      `/api/admin/users/${last.id}`,
      { role: 'user' },
      { token: lastToken },
    );
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe('LAST_ADMIN');
    const deactivate = await t.http.patch(
      `/api/admin/users/${last.id}`,
      { is_active: false },
      { token: lastToken },
    );
    expect(deactivate.status).toBe(409);
    // Renaming the last admin is fine.
    expect(
      (
        await t.http.patch(
          `/api/admin/users/${last.id}`,
          { name: 'Still Admin' },
          { token: lastToken },
        )
      ).status,
    ).toBe(200);
    // Either admin may have lost the race: make the seeded one admin again for the tests after this.
    await sql(db, `UPDATE users SET role = 'admin' WHERE email = $1`, [
      ADMIN.email,
    ]);
  });

  describe('settings', () => {
    it('reads and updates settings, validating every field', async () => {
      const get = await t.http.get('/api/admin/settings', { token: admin });
      expect(get.status).toBe(200);
      expect(get.body).toEqual({
        default_max_ai_messages_per_day: 100,
        default_max_ai_tokens_per_day: 500000,
        quota_timezone: 'UTC',
        allow_registration: true,
        max_concurrent_streams_per_user: 3,
        default_model: 'local',
        alert_webhook_url: null,
        alert_thresholds: [80, 100],
        has_alert_webhook_secret: false,
      });
      const bad = [
        { quota_timezone: 'Mars/Olympus' },
        { quota_timezone: 5 },
        { max_concurrent_streams_per_user: 0 },
        { max_concurrent_streams_per_user: 101 },
        { max_concurrent_streams_per_user: 2.5 },
        { default_max_ai_messages_per_day: -1 },
        { default_max_ai_tokens_per_day: 2147483648 },
        { default_max_ai_tokens_per_day: '10' },
        { allow_registration: 'yes' },
        { default_model: 'no-such-model' },
        { unknown_setting: 1 },
        { allow_registration: false, quota_timezone: 'Nowhere/Land' },
        { alert_webhook_url: 'ftp://example.com/hook' },
        { alert_webhook_url: 'not a url' },
        { alert_webhook_url: 'http://' },
        { alert_webhook_url: 5 },
        { alert_webhook_url: `https://example.com/${'a'.repeat(2000)}` },
        { alert_thresholds: [] },
        { alert_thresholds: null },
        { alert_thresholds: [0] },
        { alert_thresholds: [101] },
        { alert_thresholds: [50.5] },
        { alert_thresholds: ['80'] },
        { alert_thresholds: 80 },
        { alert_thresholds: [10, 20, 30, 40, 50, 60] },
        { alert_webhook_secret: '' },
        { alert_webhook_secret: 5 },
        { alert_webhook_secret: 'x'.repeat(501) },
        { has_alert_webhook_secret: true },
        { alert_webhook_secret: 'fine-secret', alert_thresholds: [0] },
        { alert_webhook_url: 'https://example.com/ok', alert_thresholds: [] },
      ];
      for (const body of bad) {
        const res = await t.http.patch('/api/admin/settings', body, {
          token: admin,
        });
        expect([body, res.status]).toEqual([body, 400]);
      }
      // Nothing changed.
      expect(
        (await t.http.get('/api/admin/settings', { token: admin })).body,
      ).toEqual(get.body);

      const ok = await t.http.patch(
        '/api/admin/settings',
        {
          quota_timezone: 'America/New_York',
          max_concurrent_streams_per_user: 5,
        },
        { token: admin },
      );
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({
        ...get.body,
        quota_timezone: 'America/New_York',
        max_concurrent_streams_per_user: 5,
      });
      expect(
        (await t.http.get('/api/admin/settings', { token: admin })).body,
      ).toEqual(ok.body);
      await t.http.patch(
        '/api/admin/settings',
        { quota_timezone: 'UTC', max_concurrent_streams_per_user: 3 },
        { token: admin },
      );
    });

    it('stores alert thresholds sorted and de-duplicated, and keeps the webhook secret write-only', async () => {
      const res = await t.http.patch(
        '/api/admin/settings',
        {
          alert_webhook_url: 'http://127.0.0.1:9/hook',
          alert_thresholds: [100, 50, 80, 50, 100, 100, 90],
          alert_webhook_secret: 'whsec-do-not-answer',
        },
        { token: admin },
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        alert_webhook_url: 'http://127.0.0.1:9/hook',
        alert_thresholds: [50, 80, 90, 100],
        has_alert_webhook_secret: true,
      });
      expect(res.text).not.toContain('whsec-do-not-answer');
      const got = await t.http.get('/api/admin/settings', { token: admin });
      expect(got.body).toEqual(res.body);
      expect(got.text).not.toContain('whsec-do-not-answer');
      // Stored encrypted, never as typed.
      const rows = await t.query(
        `SELECT key, value::text AS value FROM settings WHERE key LIKE 'alert%' ORDER BY key`,
      );
      expect(rows.map((r) => r.key)).toEqual([
        'alert_thresholds',
        'alert_webhook_secret',
        'alert_webhook_url',
      ]);
      expect(JSON.stringify(rows)).not.toContain('whsec-do-not-answer');

      // Another change leaves the secret alone; null removes the secret and the URL.
      const other = await t.http.patch(
        '/api/admin/settings',
        { alert_thresholds: [75] },
        { token: admin },
      );
      expect(other.body).toMatchObject({
        alert_thresholds: [75],
        has_alert_webhook_secret: true,
      });
      const removed = await t.http.patch(
        '/api/admin/settings',
        {
          alert_webhook_url: null,
          alert_webhook_secret: null,
          alert_thresholds: [80, 100],
        },
        { token: admin },
      );
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({
        alert_webhook_url: null,
        alert_thresholds: [80, 100],
        has_alert_webhook_secret: false,
      });
      expect(
        await t.query(
          `SELECT key FROM settings WHERE key = 'alert_webhook_secret'`,
        ),
      ).toEqual([]);
    });

    it('stores quota_timezone in its canonical spelling', async () => {
      const spelled = [
        ['utc', 'UTC'],
        ['europe/moscow', 'Europe/Moscow'],
        ['AMERICA/NEW_YORK', 'America/New_York'],
        ['Asia/Kolkata', 'Asia/Kolkata'],
        ['UTC', 'UTC'],
      ];
      for (const [typed, stored] of spelled) {
        const res = await t.http.patch(
          '/api/admin/settings',
          { quota_timezone: typed },
          { token: admin },
        );
        expect([typed, res.status, res.body.quota_timezone]).toEqual([
          typed,
          200,
          stored,
        ]);
        const [row] = await t.query(
          `SELECT value #>> '{}' AS tz FROM settings WHERE key = 'quota_timezone'`,
        );
        expect([typed, row.tz]).toEqual([typed, stored]);
      }
    });
  });

  it('answers 403 to a user and 401 without or with a forged token on every admin path', async () => {
    const user = await t.register();
    const id = user.id;
    const paths: Array<[string, string, unknown?]> = [
      ['GET', '/api/admin/users'],
      [
        'POST',
        '/api/admin/users',
        { email: 'x@example.com', password: 'password-123' },
      ],
      ['PATCH', `/api/admin/users/${id}`, { name: 'x' }],
      ['GET', `/api/admin/users/${id}/quota`],
      ['GET', '/api/admin/settings'],
      ['PATCH', '/api/admin/settings', { allow_registration: false }],
      ['GET', '/api/admin/usage'],
      ['GET', '/api/admin/usage/history'],
      ['GET', '/api/admin/usage/export'],
    ];
    const forged =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAifQ.c2lnbmF0dXJl';
    for (const [method, path, body] of paths) {
      const asUser = await t.http.request(method, path, body, {
        token: user.token,
      });
      expect([method, path, asUser.status]).toEqual([method, path, 403]);
      const anon = await t.http.request(method, path, body);
      expect([method, path, anon.status]).toEqual([method, path, 401]);
      const bad = await t.http.request(method, path, body, { token: forged });
      expect([method, path, bad.status]).toEqual([method, path, 401]);
    }
    // Nothing was changed by the refused calls.
    expect(
      (await t.http.get('/api/admin/settings', { token: admin })).body
        .allow_registration,
    ).toBe(true);
    const [row] = await sql(t.db!.url, 'SELECT name FROM users WHERE id = $1', [
      id,
    ]);
    expect(row.name).toBe('');
  });
});
