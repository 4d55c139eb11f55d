import { startTestApp, type TestApp } from '../support/test-app';

/**
 * An API key's `last_used_at` is written at most once a minute: a hot key's
 * requests do not each write its row. The row's `xmin` tells whether it was
 * written (any UPDATE gives the row a new version, even with the same value).
 * Time is moved by moving the stored value back, never by waiting.
 */
describe('API key last_used_at (PostgreSQL)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const row = async (id: string) => {
    const [r] = await t.query<{ version: string; last_used_at: Date | null }>(
      'SELECT xmin::text AS version, last_used_at FROM api_keys WHERE id = $1',
      [id],
    );
    return r;
  };

  const ms = (d: Date | null) => d?.getTime() ?? Number.NaN;

  /** One authenticated request with the key; it must be let in. */
  const use = async (key: string, path = '/api/auth/me') => {
    const res = await t.http.get(path, { token: key });
    expect(res.status).toBe(200);
  };

  it('is written by the first use, not by the next ones within a minute, and again after a minute', async () => {
    const user = await t.register();
    const created = await t.http.post(
      '/api/auth/api-keys',
      { name: 'hot' },
      { token: user.token },
    );
    expect(created.status).toBe(201);
    const { id, key } = created.body as { id: string; key: string };
    expect((await row(id)).last_used_at).toBeNull();

    // First use: written.
    const before = await row(id);
    await use(key);
    const first = await row(id);
    expect(first.last_used_at).not.toBeNull();
    expect(first.version).not.toBe(before.version);

    // A hot key: many requests, one after another and at once, write nothing.
    for (let i = 0; i < 20; i++) await use(key);
    await Promise.all(Array.from({ length: 20 }, () => use(key)));
    await use(key, '/v1/models');
    expect(await row(id)).toEqual(first);

    // Half a minute ago: still not written.
    await t.query(
      `UPDATE api_keys SET last_used_at = last_used_at - interval '30 seconds' WHERE id = $1`,
      [id],
    );
    const halfMinute = await row(id);
    for (let i = 0; i < 5; i++) await use(key);
    expect(await row(id)).toEqual(halfMinute);

    // More than a minute ago: the next request writes it (to now), once.
    await t.query(
      `UPDATE api_keys SET last_used_at = last_used_at - interval '31 seconds' WHERE id = $1`,
      [id],
    );
    const stale = await row(id);
    await use(key);
    const again = await row(id);
    expect(again.version).not.toBe(stale.version);
    expect(ms(again.last_used_at)).toBeGreaterThanOrEqual(
      ms(first.last_used_at),
    );
    const [{ db_now }] = await t.query<{ db_now: Date }>(
      'SELECT now() AS db_now',
    );
    expect(ms(again.last_used_at)).toBeLessThanOrEqual(db_now.getTime());
    for (let i = 0; i < 10; i++) await use(key);
    expect(await row(id)).toEqual(again);

    // The owner sees the written value.
    const list = await t.http.get('/api/auth/api-keys', { token: user.token });
    expect(list.body.items[0].last_used_at).toBe(
      again.last_used_at?.toISOString(),
    );
  });

  it('is kept per key: one hot key does not stop another from being marked', async () => {
    const user = await t.register();
    const keys = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const res = await t.http.post(
          '/api/auth/api-keys',
          { name },
          { token: user.token },
        );
        expect(res.status).toBe(201);
        return res.body as { id: string; key: string };
      }),
    );
    for (let i = 0; i < 5; i++) await use(keys[0].key);
    expect((await row(keys[1].id)).last_used_at).toBeNull();
    await use(keys[1].key);
    expect((await row(keys[1].id)).last_used_at).not.toBeNull();
  });
});
