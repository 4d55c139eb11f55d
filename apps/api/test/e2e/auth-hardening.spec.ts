import { sign } from 'jsonwebtoken';
import { networkInterfaces } from 'node:os';
import { Http } from '../support/http';
import {
  startTestApp,
  TEST_JWT_SECRET,
  type TestApp,
} from '../support/test-app';

/** Login, password, key and registration rules of API.md "Account" and "Service access". */

const unique = (what: string) =>
  `${what}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;

async function loginStatus(
  t: TestApp,
  email: string,
  password: string,
  forwardedFor?: string,
): Promise<number> {
  const res = await t.http.post(
    '/api/auth/login',
    { email, password },
    forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {},
  );
  return res.status;
}

describe('login throttling counts failures only (socket address)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { LOGIN_MAX_ATTEMPTS: '3', LOGIN_WINDOW_SECONDS: '60' },
    });
  });
  afterAll(() => t.close());

  it('is not bypassed by a rotating X-Forwarded-For from a client that is no trusted proxy', async () => {
    const { email } = await t.register(unique('rotating'), 'right-password-1');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        await loginStatus(t, email, `guess-${i}`, `198.51.100.${i + 1}`),
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('never counts successful logins, and a success clears the count of its address and email', async () => {
    const { email } = await t.register(unique('often'), 'right-password-1');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(await loginStatus(t, email, 'right-password-1'));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);

    const mixed: number[] = [];
    for (const password of [
      'wrong-1',
      'wrong-2',
      'right-password-1',
      'wrong-3',
      'wrong-4',
      'wrong-5',
      'right-password-1',
    ])
      mixed.push(await loginStatus(t, email, password));
    expect(mixed).toEqual([401, 401, 200, 401, 401, 401, 429]);
  });
});

describe('password spraying from one address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { LOGIN_MAX_ATTEMPTS: '2', LOGIN_WINDOW_SECONDS: '60' },
    });
  });
  afterAll(() => t.close());

  it('is refused after 10 × LOGIN_MAX_ATTEMPTS failures over all emails', async () => {
    const { email } = await t.register(unique('sprayed'), 'right-password-1');
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push(await loginStatus(t, unique(`spray${i}`), 'Password1'));
    expect(statuses).toEqual(Array(20).fill(401));
    const next = await t.http.post('/api/auth/login', {
      email: unique('one-more'),
      password: 'Password1',
    });
    expect(next.status).toBe(429);
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even a right password from that address waits: the address is the one throttled.
    expect(await loginStatus(t, email, 'right-password-1')).toBe(429);
  });
});

describe('login throttling behind a proxy (TRUST_PROXY)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        LOGIN_MAX_ATTEMPTS: '3',
        LOGIN_WINDOW_SECONDS: '60',
        TRUST_PROXY: 'loopback',
      },
    });
  });
  afterAll(() => t.close());

  it('lets a user in while someone else, from another address, fails against their email', async () => {
    const { email } = await t.register(unique('victim'), 'victim-password');
    const attacker: number[] = [];
    for (let i = 0; i < 5; i++)
      attacker.push(await loginStatus(t, email, `guess-${i}`, '203.0.113.66'));
    expect(attacker).toEqual([401, 401, 401, 429, 429]);
    expect(await loginStatus(t, email, 'victim-password', '198.51.100.7')).toBe(
      200,
    );
  });

  it('refuses an email after 4 × LOGIN_MAX_ATTEMPTS failures over all addresses', async () => {
    const { email } = await t.register(unique('spread'), 'spread-password');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        await loginStatus(t, email, `guess-${i}`, `192.0.2.${i + 1}`),
      );
    expect(statuses).toEqual(Array(12).fill(401));
    expect(await loginStatus(t, email, 'spread-password', '192.0.2.200')).toBe(
      429,
    );
  });
});

/**
 * A proxy that is not on loopback (as in a container network): every client
 * reaches the API from the proxy's address. The API listens on this
 * machine's own non-loopback address, so requests to it come from there.
 */
const proxyAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

(proxyAddress ? describe : describe.skip)(
  'login throttling behind a proxy that is not on loopback',
  () => {
    const start = (env: Record<string, string>) =>
      startTestApp({
        env: {
          LOGIN_MAX_ATTEMPTS: '3',
          LOGIN_WINDOW_SECONDS: '60',
          HOST: proxyAddress as string,
          ...env,
        },
      });
    const via = (t: TestApp) =>
      new Http(`http://${proxyAddress}:${new URL(t.url).port}`);

    it('with TRUST_PROXY naming the proxy, one client failing against an email does not lock its owner out', async () => {
      const t = await start({ TRUST_PROXY: proxyAddress as string });
      try {
        const http = via(t);
        const { email } = await t.register(unique('chosen'), 'chosen-password');
        const attempt = async (password: string, client: string) =>
          (
            await http.post(
              '/api/auth/login',
              { email, password },
              { headers: { 'x-forwarded-for': client } },
            )
          ).status;
        const attacker: number[] = [];
        for (let i = 0; i < 5; i++)
          attacker.push(await attempt(`guess-${i}`, '203.0.113.66'));
        expect(attacker).toEqual([401, 401, 401, 429, 429]);
        expect(await attempt('chosen-password', '198.51.100.7')).toBe(200);
      } finally {
        await t.close();
      }
    });

    it('without TRUST_PROXY, X-Forwarded-For from that address is not believed', async () => {
      const t = await start({});
      try {
        const http = via(t);
        const { email } = await t.register(unique('direct'), 'direct-pass-1');
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++)
          statuses.push(
            (
              await http.post(
                '/api/auth/login',
                { email, password: `guess-${i}` },
                { headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } },
              )
            ).status,
          );
        expect(statuses).toEqual([401, 401, 401, 429]);
      } finally {
        await t.close();
      }
    });
  },
);

describe('login throttling through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  const env = {
    LOGIN_MAX_ATTEMPTS: '3',
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

  it('counts failures only, and a success on one process clears the count on all', async () => {
    const { email } = await a.register(unique('redis'), 'redis-password-1');
    const statuses: number[] = [];
    for (const [t, password] of [
      [a, 'right'],
      [b, 'redis-password-1'],
      [a, 'wrong-1'],
      [b, 'wrong-2'],
      [a, 'redis-password-1'],
      [b, 'wrong-3'],
      [a, 'wrong-4'],
      [b, 'wrong-5'],
      [a, 'redis-password-1'],
    ] as const)
      statuses.push(await loginStatus(t, email, password));
    expect(statuses).toEqual([401, 200, 401, 401, 200, 401, 401, 401, 429]);
  });
});

describe('registration throttling', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { REGISTER_MAX_PER_HOUR: '3' } });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After beyond REGISTER_MAX_PER_HOUR from one address, and creates nothing', async () => {
    const statuses: number[] = [];
    const emails = [0, 1, 2, 3, 4].map((i) => unique(`flood${i}`));
    for (const email of emails) {
      const res = await t.http.post('/api/auth/register', {
        email,
        password: 'flood-password',
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.code).toBe('TOO_MANY_REQUESTS');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    const rows = await t.query(
      'SELECT email FROM users WHERE email = ANY($1)',
      [emails.slice(3)],
    );
    expect(rows).toEqual([]);
  });
});

describe('access tokens and passwords', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t.close());

  it('refuses a correctly signed access token without exp', async () => {
    const { id, token } = await t.register(unique('noexp'));
    expect((await t.http.get('/api/auth/me', { token })).status).toBe(200);
    const forever = sign({ sub: id }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    const res = await t.http.get('/api/auth/me', { token: forever });
    expect(res.status).toBe(401);
    const withExp = sign({ sub: id }, TEST_JWT_SECRET, {
      algorithm: 'HS256',
      expiresIn: 60,
    });
    expect((await t.http.get('/api/auth/me', { token: withExp })).status).toBe(
      200,
    );
  });

  it('changes a password: 400 for a wrong current one, then every earlier token stops working', async () => {
    const { email, token } = await t.register(
      unique('changer'),
      'old-password-1',
    );
    const second = await t.login(email, 'old-password-1');

    const wrong = await t.http.post(
      '/api/auth/password',
      { current_password: 'not-it', new_password: 'new-password-1' },
      { token },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('WRONG_PASSWORD');
    expect((await t.http.get('/api/auth/me', { token })).status).toBe(200);

    for (const bad of [
      { current_password: 'old-password-1', new_password: 'short' },
      { current_password: 'old-password-1' },
      {
        current_password: 'old-password-1',
        new_password: 'new-password-1',
        extra: 1,
      },
    ]) {
      const res = await t.http.post('/api/auth/password', bad, { token });
      expect(res.status).toBe(400);
    }
    expect((await t.http.get('/api/auth/me', { token })).status).toBe(200);

    const ok = await t.http.post(
      '/api/auth/password',
      { current_password: 'old-password-1', new_password: 'new-password-1' },
      { token },
    );
    expect(ok.status).toBe(204);
    for (const old of [token, second])
      expect((await t.http.get('/api/auth/me', { token: old })).status).toBe(
        401,
      );
    expect(await loginStatus(t, email, 'old-password-1')).toBe(401);
    const fresh = await t.login(email, 'new-password-1');
    expect((await t.http.get('/api/auth/me', { token: fresh })).status).toBe(
      200,
    );
  });

  it('lets an admin set a password, which ends the user’s earlier tokens', async () => {
    const { id, email, token } = await t.register(unique('forgot'));
    const short = await t.http.patch(
      `/api/admin/users/${id}`,
      { password: 'short' },
      { token: admin },
    );
    expect(short.status).toBe(400);
    const nulled = await t.http.patch(
      `/api/admin/users/${id}`,
      { password: null },
      { token: admin },
    );
    expect(nulled.status).toBe(400);
    expect((await t.http.get('/api/auth/me', { token })).status).toBe(200);

    const res = await t.http.patch(
      `/api/admin/users/${id}`,
      { password: 'set-by-admin-1' },
      { token: admin },
    );
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('password');
    expect((await t.http.get('/api/auth/me', { token })).status).toBe(401);
    const fresh = await t.login(email, 'set-by-admin-1');
    expect((await t.http.get('/api/auth/me', { token: fresh })).status).toBe(
      200,
    );
    // Other changes leave tokens alone.
    const renamed = await t.http.patch(
      `/api/admin/users/${id}`,
      { name: 'Renamed' },
      { token: admin },
    );
    expect(renamed.status).toBe(200);
    expect((await t.http.get('/api/auth/me', { token: fresh })).status).toBe(
      200,
    );
    // A user cannot set anyone's password this way.
    const { token: other } = await t.register(unique('other'));
    expect(
      (
        await t.http.patch(
          `/api/admin/users/${id}`,
          { password: 'hijacked-pass-1' },
          { token: other },
        )
      ).status,
    ).toBe(403);
  });

  it('changes the own name with PATCH /api/auth/me, and nothing else', async () => {
    const { token } = await t.register(
      unique('named'),
      'named-password',
      'Old',
    );
    const res = await t.http.patch(
      '/api/auth/me',
      { name: '  New Name  ' },
      { token },
    );
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('New Name');
    expect((await t.http.get('/api/auth/me', { token })).body.name).toBe(
      'New Name',
    );
    for (const bad of [
      { role: 'admin' },
      { name: null },
      { name: 'x'.repeat(101) },
      { is_active: false },
    ]) {
      const r = await t.http.patch('/api/auth/me', bad, { token });
      expect(r.status).toBe(400);
    }
    const me = await t.http.get('/api/auth/me', { token });
    expect(me.body).toMatchObject({
      name: 'New Name',
      role: 'user',
      is_active: true,
    });
  });
});

describe('API keys cannot manage keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers 403 API_KEY_NOT_ALLOWED to a key on the key routes, and lets it do the rest', async () => {
    const { token } = await t.register(unique('keys'));
    const created = await t.http.post(
      '/api/auth/api-keys',
      { name: 'service' },
      { token },
    );
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    for (const res of [
      await t.http.get('/api/auth/api-keys', { token: key }),
      await t.http.post('/api/auth/api-keys', { name: 'more' }, { token: key }),
      await t.http.delete(`/api/auth/api-keys/${created.body.id}`, {
        token: key,
      }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('API_KEY_NOT_ALLOWED');
    }
    expect((await t.http.get('/api/auth/me', { token: key })).status).toBe(200);
    const list = await t.http.get('/api/auth/api-keys', { token });
    expect(list.body.items).toHaveLength(1);
  });

  it('keeps at most 50 keys per user (409 TOO_MANY_KEYS), also when created at once', async () => {
    const { token } = await t.register(unique('many'));
    const results = await Promise.all(
      Array.from({ length: 55 }, (_, i) =>
        t.http.post('/api/auth/api-keys', { name: `k${i}` }, { token }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    const refused = results.find((r) => r.status === 409);
    expect(refused?.body.code).toBe('TOO_MANY_KEYS');
    const list = await t.http.get('/api/auth/api-keys', { token });
    expect(list.body.items).toHaveLength(50);
    const first = list.body.items[0].id as string;
    expect(
      (await t.http.delete(`/api/auth/api-keys/${first}`, { token })).status,
    ).toBe(204);
    expect(
      (await t.http.post('/api/auth/api-keys', { name: 'again' }, { token }))
        .status,
    ).toBe(201);
  });
});
