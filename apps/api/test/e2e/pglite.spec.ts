import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../support/test-app';

/** The embedded database: the same migrations and flows, and every transaction runs alone. */
describe('embedded PGlite', () => {
  let t: TestApp;
  // Starting PGlite (WASM) and migrating it takes long on a loaded machine.
  beforeAll(async () => {
    t = await startTestApp({ embedded: true });
  }, 180_000);
  afterAll(() => t?.close());

  it('migrates an empty database and keeps it under DATA_DIR', async () => {
    const ds = t.app.get(DataSource);
    const tables = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    const names = tables.map((r: { table_name: string }) => r.table_name);
    expect(names).toEqual(
      expect.arrayContaining(['api_keys', 'migrations', 'settings', 'users']),
    );
    const done = await ds.query('SELECT name FROM migrations ORDER BY id');
    expect(done.length).toBeGreaterThan(0);
    expect(await ds.showMigrations()).toBe(false);
    expect(t.config.databaseUrl).toBeNull();
  });

  it('runs the auth flow', async () => {
    const reg = await t.http.post('/api/auth/register', {
      email: 'embedded@example.com',
      password: 'password-1',
    });
    expect(reg.status).toBe(201);
    const token = await t.login('embedded@example.com', 'password-1');
    const me = await t.http.get('/api/auth/me', { token });
    expect(me.body).toMatchObject({
      email: 'embedded@example.com',
      role: 'user',
      is_active: true,
    });
    expect(
      (
        await t.http.post('/api/auth/login', {
          email: 'embedded@example.com',
          password: 'wrong-pass',
        })
      ).status,
    ).toBe(401);
    const key = (
      await t.http.post('/api/auth/api-keys', { name: 'svc' }, { token })
    ).body.key;
    expect((await t.http.get('/api/auth/me', { token: key })).status).toBe(200);
    const admin = await t.login();
    expect(
      (await t.http.get('/api/admin/users?search=embedded', { token: admin }))
        .body.total,
    ).toBe(1);
  });

  it('loses nothing with 50 concurrent read-modify-write transactions through the serialized path', async () => {
    const ds = t.app.get(DataSource);
    await ds.query(
      `INSERT INTO settings (key, value) VALUES ('test_counter', '0'::jsonb)`,
    );
    // Each transaction reads, waits, then writes: without serialization they would interleave and lose updates.
    await Promise.all(
      Array.from({ length: 50 }, () =>
        ds.transaction(async (m) => {
          const [{ value }] = await m.query(
            `SELECT value FROM settings WHERE key = 'test_counter' FOR UPDATE`,
          );
          await new Promise((r) => setTimeout(r, 1));
          await m.query(
            `UPDATE settings SET value = $1::jsonb WHERE key = 'test_counter'`,
            [JSON.stringify(Number(value) + 1)],
          );
        }),
      ),
    );
    const [{ value }] = await ds.query(
      `SELECT value FROM settings WHERE key = 'test_counter'`,
    );
    expect(Number(value)).toBe(50);
  });

  it('keeps a rolled-back transaction from undoing a concurrent committed one', async () => {
    const ds = t.app.get(DataSource);
    const failing = ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO settings (key, value) VALUES ('rolled_back', 'true'::jsonb)`,
      );
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('boom');
    });
    const committing = ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO settings (key, value) VALUES ('committed', 'true'::jsonb)`,
      );
    });
    await expect(failing).rejects.toThrow('boom');
    await committing;
    const rows = await ds.query(
      `SELECT key FROM settings WHERE key IN ('rolled_back', 'committed')`,
    );
    expect(rows).toEqual([{ key: 'committed' }]);
  });

  it('creates 50 users at once with nothing lost', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.http.post('/api/auth/register', {
          email: `many${i}@example.com`,
          password: 'password-1',
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const admin = await t.login();
    expect(
      (await t.http.get('/api/admin/users?search=many', { token: admin })).body
        .total,
    ).toBe(50);
  });

  it('reopens the same database after a restart', async () => {
    const dataDir = t.dataDir;
    await t.app.close();
    const again = await startTestApp({ embedded: true, dataDir });
    try {
      expect(
        (
          await again.http.post('/api/auth/login', {
            email: 'embedded@example.com',
            password: 'password-1',
          })
        ).status,
      ).toBe(200);
    } finally {
      await again.app.close();
    }
    t = await startTestApp({ embedded: true, dataDir });
  });
});
