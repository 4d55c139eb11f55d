import { startTestApp, type TestApp } from '../support/test-app';

/**
 * API.md "Security rules added in v3": a password is changed with a login
 * only, and wrong current passwords are throttled per user; deactivation
 * ends every access token for good; an API key's limits have an owner.
 */

const unique = (what: string) =>
  `${what}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;

const change = (t: TestApp, token: string, current: string, next: string) =>
  t.http.post(
    '/api/auth/password',
    { current_password: current, new_password: next },
    { token },
  );

const hashOf = async (t: TestApp, id: string) =>
  (
    await t.query<{ password_hash: string; token_version: number }>(
      'SELECT password_hash, token_version FROM users WHERE id = $1',
      [id],
    )
  )[0];

describe('changing the password', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { LOGIN_MAX_ATTEMPTS: '3', LOGIN_WINDOW_SECONDS: '60' },
    });
  });
  afterAll(() => t.close());

  it('refuses an API key with 403 API_KEY_NOT_ALLOWED, right password or not, and changes nothing', async () => {
    const { id, email, token } = await t.register(
      unique('leaked'),
      'owner-password-1',
    );
    const key = (
      await t.http.post('/api/auth/api-keys', { name: 'svc' }, { token })
    ).body.key as string;
    const before = await hashOf(t, id);
    for (const current of ['guess-1', 'owner-password-1', 'guess-2']) {
      const res = await change(t, key, current, 'taken-over-1');
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('API_KEY_NOT_ALLOWED');
    }
    expect(await hashOf(t, id)).toEqual(before);
    // The key made no guesses: the owner's own attempts are all still there.
    expect((await change(t, token, 'wrong-1', 'x-password-1')).status).toBe(
      400,
    );
    expect((await t.http.get('/api/auth/me', { token })).status).toBe(200);
    expect(
      (
        await t.http.post('/api/auth/login', {
          email,
          password: 'owner-password-1',
        })
      ).status,
    ).toBe(200);
  });

  it('throttles wrong current passwords per user: 429 with Retry-After after LOGIN_MAX_ATTEMPTS, then even the right one', async () => {
    const { id, email, token } = await t.register(
      unique('guessed'),
      'owner-password-1',
    );
    // A second token of the same user shares the count: it is per user.
    const other = await t.login(email, 'owner-password-1');
    const before = await hashOf(t, id);
    const statuses: number[] = [];
    for (const [tok, guess] of [
      [token, 'guess-1'],
      [other, 'guess-2'],
      [token, 'guess-3'],
      [other, 'guess-4'],
    ])
      statuses.push((await change(t, tok, guess, 'new-password-1')).status);
    expect(statuses).toEqual([400, 400, 400, 429]);

    const right = await change(t, token, 'owner-password-1', 'new-password-1');
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await hashOf(t, id)).toEqual(before);
    expect((await t.http.get('/api/auth/me', { token })).status).toBe(200);

    // Another user is not affected, and a right password clears its own count.
    const someone = await t.register(unique('someone'), 'their-password-1');
    expect(
      (await change(t, someone.token, 'wrong', 'next-password-1')).status,
    ).toBe(400);
    expect(
      (await change(t, someone.token, 'wrong', 'next-password-1')).status,
    ).toBe(400);
    expect(
      (await change(t, someone.token, 'their-password-1', 'their-password-2'))
        .status,
    ).toBe(204);
    const fresh = await t.login(someone.email, 'their-password-2');
    const again: number[] = [];
    for (const guess of ['wrong-a', 'wrong-b', 'wrong-c'])
      again.push((await change(t, fresh, guess, 'next-password-1')).status);
    expect(again).toEqual([400, 400, 400]);
  });
});

describe('changing the password through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  const env = {
    LOGIN_MAX_ATTEMPTS: '2',
    LOGIN_WINDOW_SECONDS: '60',
    REDIS_URL: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
  };
  beforeAll(async () => {
    a = await startTestApp({ env });
    b = await startTestApp({ env, database: a.db ?? undefined });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('counts the wrong guesses made through every process', async () => {
    const { token } = await a.register(unique('spread'), 'owner-password-1');
    const statuses = [
      (await change(a, token, 'guess-1', 'new-password-1')).status,
      (await change(b, token, 'guess-2', 'new-password-1')).status,
      (await change(a, token, 'owner-password-1', 'new-password-1')).status,
      (await change(b, token, 'owner-password-1', 'new-password-1')).status,
    ];
    expect(statuses).toEqual([400, 400, 429, 429]);
  });
});

describe('deactivation', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t.close());

  const setActive = (id: string, is_active: boolean) =>
    t.http.patch(`/api/admin/users/${id}`, { is_active }, { token: admin });

  it('ends every access token issued before, for good; after reactivation the user logs in again', async () => {
    const user = await t.register(unique('paused'), 'user-password-1');
    const second = await t.login(user.email, 'user-password-1');
    const key = (
      await t.http.post(
        '/api/auth/api-keys',
        { name: 'svc' },
        { token: user.token },
      )
    ).body.key as string;

    expect((await setActive(user.id, false)).status).toBe(200);
    for (const token of [user.token, second, key])
      expect((await t.http.get('/api/auth/me', { token })).status).toBe(401);

    expect((await setActive(user.id, true)).status).toBe(200);
    for (const token of [user.token, second])
      expect((await t.http.get('/api/auth/me', { token })).status).toBe(401);
    // Keys are not sessions: the owner's key works again.
    expect((await t.http.get('/api/auth/me', { token: key })).status).toBe(200);
    const fresh = await t.login(user.email, 'user-password-1');
    const me = await t.http.get('/api/auth/me', { token: fresh });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
  });

  it('leaves the tokens of a user who stays active alone, whatever else an admin changes', async () => {
    const user = await t.register(unique('kept'), 'user-password-1');
    for (const change of [
      { is_active: true },
      { name: 'Renamed' },
      { role: 'user' },
    ]) {
      const res = await t.http.patch(`/api/admin/users/${user.id}`, change, {
        token: admin,
      });
      expect(res.status).toBe(200);
    }
    expect(
      (await t.http.get('/api/auth/me', { token: user.token })).status,
    ).toBe(200);
  });
});

describe("an API key's limits have an owner", () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t.close());

  const ask = (key: string) =>
    t.http.post(
      '/v1/chat/completions',
      { model: 'local', messages: [{ role: 'user', content: 'hi' }] },
      { token: key },
    );
  const adminLimit = (keyId: string, body: Record<string, unknown>) =>
    t.http.post(
      '/api/admin/limits',
      { subject: 'api_key', subject_id: keyId, ...body },
      { token: admin },
    );
  const shown = (l: Record<string, unknown>) => ({
    set_by: l.set_by,
    metric: l.metric,
    window: l.window,
    model: l.model,
    amount: l.amount,
  });

  it("keeps an admin's limits through the owner's PATCH, lists them to the owner read-only, and enforces them", async () => {
    const { token } = await t.register(unique('owner'));
    const created = await t.http.post(
      '/api/auth/api-keys',
      {
        name: 'svc',
        limits: [{ metric: 'messages', window: 'day', amount: 5 }],
      },
      { token },
    );
    expect(created.status).toBe(201);
    const keyId = created.body.id as string;
    const key = created.body.key as string;
    expect(created.body.limits.map(shown)).toEqual([
      {
        set_by: 'owner',
        metric: 'messages',
        window: 'day',
        model: null,
        amount: 5,
      },
    ]);

    // An admin's limit of the same kind stands beside the owner's; the lower binds.
    const capped = await adminLimit(keyId, {
      metric: 'messages',
      window: 'day',
      amount: 2,
    });
    expect(capped.status).toBe(201);
    expect(capped.body.set_by).toBe('admin');
    const perModel = await adminLimit(keyId, {
      metric: 'tokens',
      window: 'month',
      model: 'local',
      amount: 1_000_000,
    });
    expect(perModel.status).toBe(201);
    expect(
      (
        await adminLimit(keyId, {
          metric: 'messages',
          window: 'day',
          amount: 3,
        })
      ).body.code,
    ).toBe('LIMIT_EXISTS');

    const listed = await t.http.get('/api/auth/api-keys', { token });
    const limits = listed.body.items[0].limits as Record<string, unknown>[];
    expect(limits.map(shown)).toEqual([
      {
        set_by: 'owner',
        metric: 'messages',
        window: 'day',
        model: null,
        amount: 5,
      },
      {
        set_by: 'admin',
        metric: 'messages',
        window: 'day',
        model: null,
        amount: 2,
      },
      {
        set_by: 'admin',
        metric: 'tokens',
        window: 'month',
        model: 'local',
        amount: 1_000_000,
      },
    ]);
    expect(limits.map((l) => l.id)).toEqual([
      expect.any(String),
      capped.body.id,
      perModel.body.id,
    ]);

    // The owner's PATCH replaces the owner's limits only.
    const cleared = await t.http.patch(
      `/api/auth/api-keys/${keyId}`,
      { limits: [] },
      { token },
    );
    expect(cleared.status).toBe(200);
    expect(cleared.body.limits.map(shown)).toEqual([
      {
        set_by: 'admin',
        metric: 'messages',
        window: 'day',
        model: null,
        amount: 2,
      },
      {
        set_by: 'admin',
        metric: 'tokens',
        window: 'month',
        model: 'local',
        amount: 1_000_000,
      },
    ]);
    const replaced = await t.http.patch(
      `/api/auth/api-keys/${keyId}`,
      { limits: [{ metric: 'messages', window: 'week', amount: 50 }] },
      { token },
    );
    expect(replaced.body.limits.map(shown)).toEqual([
      {
        set_by: 'owner',
        metric: 'messages',
        window: 'week',
        model: null,
        amount: 50,
      },
      ...cleared.body.limits.map(shown),
    ]);
    // An owner cannot pass an admin's limit off as their own.
    for (const bad of [
      { limits: [{ ...cleared.body.limits[0] }] },
      {
        limits: [
          { metric: 'messages', window: 'day', amount: 9, set_by: 'admin' },
        ],
      },
    ]) {
      const res = await t.http.patch(`/api/auth/api-keys/${keyId}`, bad, {
        token,
      });
      expect(res.status).toBe(400);
    }

    // The admin's two a day still hold the key.
    expect((await ask(key)).status).toBe(200);
    expect((await ask(key)).status).toBe(200);
    const refused = await ask(key);
    expect(refused.status).toBe(429);
    expect(
      (await t.http.get('/api/auth/api-keys', { token })).body.items[0].limits
        .filter((l: { set_by: string }) => l.set_by === 'admin')
        .map((l: { used: number }) => l.used),
    ).toEqual([2, expect.any(Number)]);

    const adminView = await t.http.get(
      `/api/admin/limits?subject=api_key&subject_id=${keyId}`,
      { token: admin },
    );
    expect(
      adminView.body.items.map((l: Record<string, unknown>) => [
        l.set_by,
        l.metric,
        l.window,
      ]),
    ).toEqual([
      ['admin', 'messages', 'day'],
      ['owner', 'messages', 'week'],
      ['admin', 'tokens', 'month'],
    ]);

    // Deleting the key deletes every limit on it, the admin's too.
    expect(
      (await t.http.delete(`/api/auth/api-keys/${keyId}`, { token })).status,
    ).toBe(204);
    const [{ n }] = await t.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM limits WHERE subject = 'api_key' AND subject_id = $1`,
      [keyId],
    );
    expect(n).toBe(0);
  });

  it('says who set a limit on API key limits only', async () => {
    const res = await t.http.get('/api/admin/limits', { token: admin });
    expect(res.body.items.length).toBeGreaterThan(0);
    for (const l of res.body.items)
      if (l.subject === 'api_key') expect(l.set_by).toMatch(/^(owner|admin)$/);
      else expect(l).not.toHaveProperty('set_by');
  });
});
