import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { startTestApp, type TestApp } from '../support/test-app';

/** The API reaches PostgreSQL through a proxy the test can cut, as if the database went away. */
describe('database outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    t = await startTestApp({ database: { ...db, url: viaProxy.toString() } });
  });
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await t.close();
    await proxy.stop();
    await db.drop();
  });

  it('answers 503 while the database is unreachable, never crashes, and recovers by itself', async () => {
    const user = await t.register();
    expect((await t.http.get('/api/health')).status).toBe(200);

    await proxy.cut();
    for (let i = 0; i < 3; i++) {
      const health = await t.http.get('/api/health');
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'error', database: 'down' });
      const me = await t.http.get('/api/auth/me', { token: user.token });
      expect(me.status).toBe(503);
      expect(me.body).toMatchObject({
        statusCode: 503,
        code: 'DATABASE_UNAVAILABLE',
      });
      const login = await t.http.post('/api/auth/login', {
        email: user.email,
        password: 'user-password-1',
      });
      expect(login.status).toBe(503);
      const reg = await t.http.post('/api/auth/register', {
        email: `down${i}@example.com`,
        password: 'password-123',
      });
      expect(reg.status).toBe(503);
    }

    await proxy.restore();
    // The pool reconnects on its own: the next calls succeed.
    let health = await t.http.get('/api/health');
    for (let i = 0; i < 20 && health.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      health = await t.http.get('/api/health');
    }
    expect(health.status).toBe(200);
    expect(
      (await t.http.get('/api/auth/me', { token: user.token })).status,
    ).toBe(200);
    expect(
      (
        await t.http.post('/api/auth/register', {
          email: 'after@example.com',
          password: 'password-123',
        })
      ).status,
    ).toBe(201);
  });
});
