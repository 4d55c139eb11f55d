import { sql } from '../support/test-db';
import {
  ADMIN,
  startTestApp,
  TEST_JWT_SECRET,
  type TestApp,
} from '../support/test-app';
import { JwtService } from '@nestjs/jwt';

describe('auth (PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('registers, logs in and answers me', async () => {
    const reg = await t.http.post('/api/auth/register', {
      email: 'Ada@Example.com',
      password: 'correct-horse',
      name: 'Ada',
    });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 12 * 3600,
      user: {
        email: 'ada@example.com',
        name: 'Ada',
        role: 'user',
        is_active: true,
        max_ai_messages_per_day: null,
        max_ai_tokens_per_day: null,
      },
    });
    expect(Object.keys(reg.body.user).sort()).toEqual(
      [
        'auth_source',
        'created_at',
        'email',
        'id',
        'is_active',
        'max_ai_messages_per_day',
        'max_ai_tokens_per_day',
        'name',
        'role',
      ].sort(),
    );
    expect(typeof reg.body.access_token).toBe('string');

    const login = await t.http.post('/api/auth/login', {
      email: 'ada@example.com',
      password: 'correct-horse',
    });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(reg.body.user.id);

    const me = await t.http.get('/api/auth/me', {
      token: login.body.access_token,
    });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(reg.body.user);
  });

  it('stores an argon2id hash, never the password', async () => {
    await t.register('hash@example.com', 'plain-text-pass');
    const [row] = await sql(
      t.db!.url,
      `SELECT password_hash FROM users WHERE email = 'hash@example.com'`,
    );
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain('plain-text-pass');
  });

  it('refuses a taken email with 409, whatever its case', async () => {
    await t.register('taken@example.com');
    const res = await t.http.post('/api/auth/register', {
      email: 'TAKEN@example.com',
      password: 'another-pass',
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('EMAIL_TAKEN');
  });

  it('registers one of many concurrent registrations of one email, 409 for the rest', async () => {
    const emails = ['race@example.com', 'RACE@example.com', 'Race@Example.com'];
    const answers = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        t.http.post('/api/auth/register', {
          email: emails[i % emails.length],
          password: `race-password-${i}`,
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, ...Array(8).fill(409)]);
    expect(
      answers.filter((a) => a.status === 409).map((a) => a.body.code),
    ).toEqual(Array(8).fill('EMAIL_TAKEN'));
    const rows = await t.query(
      `SELECT id FROM users WHERE lower(email) = 'race@example.com'`,
    );
    expect(rows).toEqual([
      { id: answers.find((a) => a.status === 201)!.body.user.id },
    ]);
  });

  it('refuses the token of a user who no longer exists with 401', async () => {
    const user = await t.register();
    const key = (
      await t.http.post(
        '/api/auth/api-keys',
        { name: 'gone' },
        { token: user.token },
      )
    ).body.key;
    expect(
      (await t.http.get('/api/auth/me', { token: user.token })).status,
    ).toBe(200);
    await t.query('DELETE FROM users WHERE id = $1', [user.id]);
    for (const token of [user.token, key]) {
      const me = await t.http.get('/api/auth/me', { token });
      expect(me.status).toBe(401);
      expect((await t.http.get('/api/chats', { token })).status).toBe(401);
    }
  });

  it('answers 401 alike for a wrong password and an unknown email', async () => {
    await t.register('wrong@example.com', 'right-password');
    const a = await t.http.post('/api/auth/login', {
      email: 'wrong@example.com',
      password: 'wrong-password',
    });
    const b = await t.http.post('/api/auth/login', {
      email: 'nobody@example.com',
      password: 'wrong-password',
    });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.body).toEqual(b.body);
    expect(a.body.access_token).toBeUndefined();
  });

  it('refuses no token, a malformed header and a forged token with 401', async () => {
    const forged = new JwtService({
      secret: 'not-the-real-secret-at-all-000000',
    });
    const { id } = await t.register();
    for (const headers of [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${await forged.signAsync({ sub: id })}` },
      { authorization: 'Bearer tly_not-a-real-key' },
    ]) {
      const res = await t.http.get('/api/auth/me', { headers });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        statusCode: 401,
        error: 'Unauthorized',
      });
    }
  });

  it('refuses an expired token', async () => {
    const { id } = await t.register();
    const jwt = new JwtService({ secret: TEST_JWT_SECRET });
    const expired = await jwt.signAsync({
      sub: id,
      exp: Math.floor(Date.now() / 1000) - 10,
    });
    expect((await t.http.get('/api/auth/me', { token: expired })).status).toBe(
      401,
    );
  });

  it('refuses a deactivated user at once, even with a token issued before, and for good', async () => {
    const user = await t.register();
    expect(
      (await t.http.get('/api/auth/me', { token: user.token })).status,
    ).toBe(200);
    const admin = await t.login();
    const off = await t.http.patch(
      `/api/admin/users/${user.id}`,
      { is_active: false },
      { token: admin },
    );
    expect(off.status).toBe(200);
    expect(off.body.is_active).toBe(false);
    expect(
      (await t.http.get('/api/auth/me', { token: user.token })).status,
    ).toBe(401);
    // The right password is told the account is deactivated; a wrong one is not.
    const refused = await t.http.post('/api/auth/login', {
      email: user.email,
      password: 'user-password-1',
    });
    expect([refused.status, refused.body.code]).toEqual([
      401,
      'USER_DEACTIVATED',
    ]);
    const guessed = await t.http.post('/api/auth/login', {
      email: user.email,
      password: 'not-the-password',
    });
    expect([guessed.status, guessed.body.code]).toEqual([
      401,
      'INVALID_CREDENTIALS',
    ]);
    const on = await t.http.patch(
      `/api/admin/users/${user.id}`,
      { is_active: true },
      { token: admin },
    );
    expect(on.status).toBe(200);
    // Reactivation does not bring the old token back: the user logs in again.
    expect(
      (await t.http.get('/api/auth/me', { token: user.token })).status,
    ).toBe(401);
    const fresh = await t.login(user.email, 'user-password-1');
    expect((await t.http.get('/api/auth/me', { token: fresh })).status).toBe(
      200,
    );
  });

  it('checks the caller of the quota read as every route does, and answers 401 before any 400', async () => {
    // GET /api/chats/quota reads the caller with the quota, in one statement.
    const user = await t.register(undefined, 'quota-password-1');
    const admin = await t.login();
    const key = (
      await t.http.post(
        '/api/auth/api-keys',
        { name: 'poller' },
        { token: user.token },
      )
    ).body.key;
    const quota = (q: string, token: string) =>
      t.http.get(`/api/chats/quota${q}`, { token });
    const first = await quota('', user.token);
    expect(first.status).toBe(200);
    const model = first.body.model as string;
    expect((await quota(`?model=${model}`, user.token)).body).toEqual(
      first.body,
    );
    expect((await quota('', key)).body).toEqual(first.body);
    const refused = {
      '?model=no-such-model': 'UNKNOWN_MODEL',
      [`?model=${model}&model=${model}`]: 'VALIDATION_FAILED',
      '?size=1': 'VALIDATION_FAILED',
    };
    for (const [q, code] of Object.entries(refused))
      for (const token of [user.token, key]) {
        const res = await quota(q, token);
        expect([q, res.status, res.body.code]).toEqual([q, 400, code]);
      }

    // Deactivated: 401 on the next request, before anything about the query.
    const patch = (body: object) =>
      t.http.patch(`/api/admin/users/${user.id}`, body, { token: admin });
    expect((await patch({ is_active: false })).status).toBe(200);
    for (const q of ['', `?model=${model}`, ...Object.keys(refused)])
      for (const token of [user.token, key])
        expect([q, (await quota(q, token)).status]).toEqual([q, 401]);
    // Reactivated: the key works again, the old token does not; a new login does.
    expect((await patch({ is_active: true })).status).toBe(200);
    expect((await quota('', user.token)).status).toBe(401);
    expect((await quota('', key)).status).toBe(200);
    const again = await t.login(user.email, 'quota-password-1');
    expect((await quota('', again)).status).toBe(200);

    // A password change ends the tokens issued before it; the key stays.
    const changed = await t.http.post(
      '/api/auth/password',
      {
        current_password: 'quota-password-1',
        new_password: 'quota-password-2',
      },
      { token: again },
    );
    expect(changed.status).toBe(204);
    expect((await quota('', again)).status).toBe(401);
    expect((await quota('?model=no-such-model', again)).status).toBe(401);
    expect((await quota('', key)).status).toBe(200);
    const token = (
      await t.http.post('/api/auth/login', {
        email: user.email,
        password: 'quota-password-2',
      })
    ).body.access_token as string;
    expect((await quota('', token)).status).toBe(200);

    // Gone: 401 for its tokens and keys alike.
    await t.query('DELETE FROM users WHERE id = $1', [user.id]);
    for (const q of ['', '?model=no-such-model'])
      for (const gone of [token, key])
        expect([q, (await quota(q, gone)).status]).toEqual([q, 401]);
  });

  it('closes registration when allow_registration is false', async () => {
    const admin = await t.login();
    // What the sign-in page reads, with no token, to offer an account or not.
    const offered = async () => {
      const res = await t.http.get('/api/auth/registration');
      expect(res.status).toBe(200);
      return res.body;
    };
    expect(await offered()).toEqual({ open: true });
    expect(
      (
        await t.http.patch(
          '/api/admin/settings',
          { allow_registration: false },
          { token: admin },
        )
      ).status,
    ).toBe(200);
    expect(await offered()).toEqual({ open: false });
    const before = await sql(t.db!.url, 'SELECT count(*)::int AS n FROM users');
    const res = await t.http.post('/api/auth/register', {
      email: 'late@example.com',
      password: 'late-password',
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      statusCode: 403,
      code: 'REGISTRATION_CLOSED',
    });
    expect(
      await sql(t.db!.url, 'SELECT count(*)::int AS n FROM users'),
    ).toEqual(before);
    // Admins can still create users.
    const created = await t.http.post(
      '/api/admin/users',
      { email: 'by-admin@example.com', password: 'password-1' },
      { token: admin },
    );
    expect(created.status).toBe(201);
    expect(
      (
        await t.http.patch(
          '/api/admin/settings',
          { allow_registration: true },
          { token: admin },
        )
      ).status,
    ).toBe(200);
    expect(await offered()).toEqual({ open: true });
    expect(
      (
        await t.http.post('/api/auth/register', {
          email: 'late@example.com',
          password: 'late-password',
        })
      ).status,
    ).toBe(201);
  });

  describe('API keys', () => {
    it('live through create, use, list and delete', async () => {
      const user = await t.register();
      const created = await t.http.post(
        '/api/auth/api-keys',
        { name: 'billing' },
        { token: user.token },
      );
      expect(created.status).toBe(201);
      const { key, id, prefix } = created.body;
      expect(key).toMatch(/^tly_/);
      expect(key.startsWith(prefix)).toBe(true);
      expect(Object.keys(created.body).sort()).toEqual([
        'created_at',
        'expires_at',
        'id',
        'key',
        'last_used_at',
        'limits',
        'models',
        'name',
        'prefix',
      ]);
      expect(created.body).toMatchObject({
        models: null,
        limits: [],
        last_used_at: null,
        expires_at: null,
      });

      // Only a hash is stored.
      const rows = await sql(
        t.db!.url,
        'SELECT * FROM api_keys WHERE id = $1',
        [id],
      );
      expect(JSON.stringify(rows)).not.toContain(key);

      // The key acts as its owner.
      const me = await t.http.get('/api/auth/me', { token: key });
      expect(me.status).toBe(200);
      expect(me.body.id).toBe(user.id);

      const list = await t.http.get('/api/auth/api-keys', {
        token: user.token,
      });
      expect(list.status).toBe(200);
      expect(list.body.items).toHaveLength(1);
      expect(list.body.items[0]).toMatchObject({ id, name: 'billing', prefix });
      expect(list.body.items[0].key).toBeUndefined();
      expect(list.body.items[0].last_used_at).not.toBeNull();

      // Another user neither sees nor deletes it.
      const other = await t.register();
      expect(
        (await t.http.get('/api/auth/api-keys', { token: other.token })).body
          .items,
      ).toEqual([]);
      expect(
        (
          await t.http.delete(`/api/auth/api-keys/${id}`, {
            token: other.token,
          })
        ).status,
      ).toBe(404);
      expect((await t.http.get('/api/auth/me', { token: key })).status).toBe(
        200,
      );

      expect(
        (await t.http.delete(`/api/auth/api-keys/${id}`, { token: user.token }))
          .status,
      ).toBe(204);
      expect((await t.http.get('/api/auth/me', { token: key })).status).toBe(
        401,
      );
      expect(
        (await t.http.delete(`/api/auth/api-keys/${id}`, { token: user.token }))
          .status,
      ).toBe(404);
      expect(
        (
          await t.http.delete(`/api/auth/api-keys/not-a-uuid`, {
            token: user.token,
          })
        ).status,
      ).toBe(400);
    });

    it('deletes a key once when deletions race with its use, and it stops working', async () => {
      const user = await t.register();
      const created = await t.http.post(
        '/api/auth/api-keys',
        { name: 'racy' },
        { token: user.token },
      );
      const { id, key } = created.body;
      const [deletions, uses] = await Promise.all([
        Promise.all(
          Array.from({ length: 4 }, () =>
            t.http.delete(`/api/auth/api-keys/${id}`, { token: user.token }),
          ),
        ),
        Promise.all(
          Array.from({ length: 6 }, () =>
            t.http.get('/api/auth/me', { token: key }),
          ),
        ),
      ]);
      expect(deletions.map((d) => d.status).sort()).toEqual([
        204, 404, 404, 404,
      ]);
      // A use racing the deletion is let in or refused, never anything else.
      for (const u of uses) expect([200, 401]).toContain(u.status);
      expect((await t.http.get('/api/auth/me', { token: key })).status).toBe(
        401,
      );
      expect(
        (await t.http.get('/api/auth/api-keys', { token: user.token })).body
          .items,
      ).toEqual([]);
    });

    it('carries the owner role: an admin key reaches admin routes, a user key does not', async () => {
      const admin = await t.login();
      const adminKey = (
        await t.http.post(
          '/api/auth/api-keys',
          { name: 'ops' },
          { token: admin },
        )
      ).body.key;
      expect(
        (await t.http.get('/api/admin/users', { token: adminKey })).status,
      ).toBe(200);
      const user = await t.register();
      const userKey = (
        await t.http.post(
          '/api/auth/api-keys',
          { name: 'mine' },
          { token: user.token },
        )
      ).body.key;
      expect(
        (await t.http.get('/api/admin/users', { token: userKey })).status,
      ).toBe(403);
    });

    it('stops working when its owner is deactivated', async () => {
      const user = await t.register();
      const key = (
        await t.http.post(
          '/api/auth/api-keys',
          { name: 'svc' },
          { token: user.token },
        )
      ).body.key;
      const admin = await t.login();
      await t.http.patch(
        `/api/admin/users/${user.id}`,
        { is_active: false },
        { token: admin },
      );
      expect((await t.http.get('/api/auth/me', { token: key })).status).toBe(
        401,
      );
      // A key is not a session: it works again once its owner is reactivated.
      await t.http.patch(
        `/api/admin/users/${user.id}`,
        { is_active: true },
        { token: admin },
      );
      expect((await t.http.get('/api/auth/me', { token: key })).status).toBe(
        200,
      );
    });
  });

  it('creates the configured first admin at start-up', async () => {
    const rows = await sql(
      t.db!.url,
      `SELECT email, role, is_active FROM users WHERE email = $1`,
      [ADMIN.email],
    );
    expect(rows).toEqual([
      { email: ADMIN.email, role: 'admin', is_active: true },
    ]);
  });
});

describe('login throttling', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { LOGIN_MAX_ATTEMPTS: '3', LOGIN_WINDOW_SECONDS: '60' },
    });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After after repeated failures for one email, and leaves other emails alone', async () => {
    await t.register('victim@example.com', 'victim-password');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (
          await t.http.post('/api/auth/login', {
            email: 'victim@example.com',
            password: `guess-${i}`,
          })
        ).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const blocked = await t.http.post('/api/auth/login', {
      email: 'victim@example.com',
      password: 'victim-password',
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account from the same client is not locked out.
    await t.register('bystander@example.com', 'bystander-pass');
    expect(
      (
        await t.http.post('/api/auth/login', {
          email: 'bystander@example.com',
          password: 'bystander-pass',
        })
      ).status,
    ).toBe(200);
  });
});

describe('first admin without configuration', () => {
  it('creates admin@localhost with a random password printed once', async () => {
    const logs: string[] = [];
    const { Logger } = await import('@nestjs/common');
    const spy = jest
      .spyOn(Logger.prototype, 'log')
      .mockImplementation(function (this: unknown, msg: unknown) {
        logs.push(String(msg));
      });
    const t = await startTestApp({
      env: { ADMIN_EMAIL: '', ADMIN_PASSWORD: '', LOG_LEVEL: 'log' },
    });
    try {
      const line = logs.find((l) => l.includes('admin@localhost'));
      expect(line).toBeDefined();
      const password = /password: (\S+)/.exec(line!)![1];
      expect(password.length).toBeGreaterThanOrEqual(12);
      const token = await t.login('admin@localhost', password);
      const me = await t.http.get('/api/auth/me', { token });
      expect(me.body).toMatchObject({
        email: 'admin@localhost',
        role: 'admin',
      });
      expect(logs.filter((l) => l.includes(password))).toHaveLength(1);
    } finally {
      spy.mockRestore();
      await t.close();
    }
  });
});

describe('login throttling across API processes (Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  const env = {
    LOGIN_MAX_ATTEMPTS: '3',
    LOGIN_WINDOW_SECONDS: '60',
    REDIS_URL: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
  };
  beforeAll(async () => {
    a = await startTestApp({ env });
    b = await startTestApp({ env, database: a.db! });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('counts attempts made through every process', async () => {
    const email = `spread-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    await a.register(email, 'spread-password');
    const statuses = [];
    for (const t of [a, b, a, b, a]) {
      statuses.push(
        (
          await t.http.post('/api/auth/login', {
            email,
            password: 'wrong-guess',
          })
        ).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(
      (
        await b.http.post('/api/auth/login', {
          email,
          password: 'spread-password',
        })
      ).status,
    ).toBe(429);
  });
});
