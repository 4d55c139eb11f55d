import OpenAI, { AuthenticationError } from 'openai';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * API keys that expire and are rotated, over HTTP on the real API. Time is
 * moved by moving the stored times back, never by waiting.
 */
const suite = (embedded: boolean) => () => {
  let t: TestApp;
  let model: string;

  beforeAll(async () => {
    t = await startTestApp({ embedded });
    const admin = await t.login();
    model = (await t.http.get('/api/models', { token: admin })).body
      .default_model as string;
  });
  afterAll(() => t?.close());

  const newKey = async (token: string, body: Record<string, unknown> = {}) => {
    const res = await t.http.post(
      '/api/auth/api-keys',
      { name: 'svc', ...body },
      { token },
    );
    expect(res.status).toBe(201);
    return res.body as Record<string, unknown> & { id: string; key: string };
  };

  /** What an authenticated /api route answers to the key. */
  const me = (key: string) => t.http.get('/api/auth/me', { token: key });

  /** What /v1 answers to the key, through the SDK: 'ok' or the error. */
  const v1 = async (key: string) => {
    const openai = new OpenAI({
      apiKey: key,
      baseURL: `${t.url}/v1`,
      maxRetries: 0,
    });
    try {
      await openai.models.list();
      return 'ok';
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      return { status: err.status, code: err.code, message: err.message };
    }
  };

  const rotate = (token: string, id: string, body: unknown = {}) =>
    t.http.post(`/api/auth/api-keys/${id}/rotate`, body, { token });

  const listed = async (token: string, id: string) => {
    const res = await t.http.get('/api/auth/api-keys', { token });
    return (res.body.items as Array<Record<string, unknown>>).find(
      (k) => k.id === id,
    );
  };

  it('expires: a key past expires_at is 401 "API key expired" on /api and invalid_api_key on /v1, exactly from that second', async () => {
    const u = await t.register();
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const created = await newKey(u.token, { expires_at: at });
    expect(created.expires_at).toBe(at);
    expect((await me(created.key)).status).toBe(200);
    expect(await v1(created.key)).toBe('ok');

    // The stored time a few seconds ahead of the database's clock: still works.
    await t.query(
      `UPDATE api_keys SET expires_at = statement_timestamp() + interval '5 seconds' WHERE id = $1`,
      [created.id],
    );
    expect((await me(created.key)).status).toBe(200);
    const [{ used }] = await t.query<{ used: Date | null }>(
      'SELECT last_used_at AS used FROM api_keys WHERE id = $1',
      [created.id],
    );

    // Now: refused at once, though the key was just used (nothing kept in memory lets it in).
    await t.query(
      `UPDATE api_keys SET expires_at = statement_timestamp(), last_used_at = NULL WHERE id = $1`,
      [created.id],
    );
    const refused = await me(created.key);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'API key expired',
    });
    expect(await v1(created.key)).toEqual({
      status: 401,
      code: 'invalid_api_key',
      message: '401 API key expired',
    });
    // A refused use does not count as a use.
    const [after] = await t.query<{ used: Date | null }>(
      'SELECT last_used_at AS used FROM api_keys WHERE id = $1',
      [created.id],
    );
    expect(after.used).toBeNull();
    expect(used).not.toBeNull();
    // An unknown key is told apart.
    const unknown = await me(`${created.key.slice(0, -2)}xx`);
    expect(unknown.status).toBe(401);
    expect(unknown.body.message).not.toBe('API key expired');

    // Listed as it is stored; the owner can lift the expiry, and it works again.
    const item = await listed(u.token, created.id);
    expect(Date.parse(item?.expires_at as string)).toBeLessThanOrEqual(
      Date.now() + 1000,
    );
    const lifted = await t.http.patch(
      `/api/auth/api-keys/${created.id}`,
      { expires_at: null },
      { token: u.token },
    );
    expect(lifted.status).toBe(200);
    expect(lifted.body.expires_at).toBeNull();
    expect((await me(created.key)).status).toBe(200);
  });

  it('sets, changes and clears expires_at; refuses a past or malformed time with 400 and changes nothing', async () => {
    const u = await t.register();
    const created = await newKey(u.token);
    expect(created.expires_at).toBeNull();
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const patch = (body: unknown) =>
      t.http.patch(`/api/auth/api-keys/${created.id}`, body, {
        token: u.token,
      });

    const set = await patch({ expires_at: later });
    expect(set.status).toBe(200);
    expect(set.body.expires_at).toBe(later);
    // An offset other than Z is the same instant.
    const shifted = await patch({ expires_at: '2099-01-01T03:00:00+03:00' });
    expect(shifted.body.expires_at).toBe('2099-01-01T00:00:00.000Z');
    // Other fields leave it as it is.
    const renamed = await patch({ name: 'renamed' });
    expect(renamed.body.expires_at).toBe('2099-01-01T00:00:00.000Z');

    const past = new Date(Date.now() - 1000).toISOString();
    for (const bad of [
      past,
      '2099-01-01',
      '2099-01-01T00:00:00',
      '2099-02-30T00:00:00Z',
      'tomorrow',
      12345,
      true,
    ]) {
      const onPost = await t.http.post(
        '/api/auth/api-keys',
        { name: 'bad', expires_at: bad },
        { token: u.token },
      );
      expect([bad, onPost.status, onPost.body.code]).toEqual([
        bad,
        400,
        'VALIDATION_FAILED',
      ]);
      const onPatch = await patch({ expires_at: bad, name: 'changed?' });
      expect([bad, onPatch.status]).toEqual([bad, 400]);
    }
    const item = await listed(u.token, created.id);
    expect(item).toMatchObject({
      name: 'renamed',
      expires_at: '2099-01-01T00:00:00.000Z',
    });
    const keys = (await t.http.get('/api/auth/api-keys', { token: u.token }))
      .body.items as unknown[];
    expect(keys).toHaveLength(1);

    const cleared = await patch({ expires_at: null });
    expect(cleared.body.expires_at).toBeNull();
  });

  it('rotates with no grace: the old secret is refused at once; the new one works, with the same id, models, limits, use and expiry', async () => {
    const u = await t.register();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await newKey(u.token, {
      models: [model],
      limits: [{ metric: 'messages', window: 'day', amount: 10 }],
      expires_at: expiresAt,
    });
    const openai = new OpenAI({
      apiKey: created.key,
      baseURL: `${t.url}/v1`,
      maxRetries: 0,
    });
    await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const before = await listed(u.token, created.id);
    expect((before?.limits as Array<{ used: number }>)[0].used).toBe(1);

    const res = await rotate(u.token, created.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const rotated = res.body as Record<string, unknown> & { key: string };
    expect(rotated.key).toMatch(/^tly_/);
    expect(rotated.key).not.toBe(created.key);
    expect(rotated.prefix).toBe(rotated.key.slice(0, 12));
    expect(rotated.prefix).not.toBe(created.prefix);
    /** The key as listed, less what a rotation changes (and last use, which the request moved). */
    const kept = (k: Record<string, unknown> | undefined) =>
      Object.fromEntries(
        Object.entries(k ?? {}).filter(
          ([f]) => !['key', 'prefix', 'last_used_at'].includes(f),
        ),
      );
    expect(kept(rotated)).toEqual(kept(before));
    expect(rotated.expires_at).toBe(expiresAt);

    expect((await me(created.key)).status).toBe(401);
    expect(await v1(created.key)).toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    expect((await me(rotated.key)).status).toBe(200);
    expect(await v1(rotated.key)).toBe('ok');
    const after = await listed(u.token, created.id);
    expect(after).toMatchObject({ id: created.id, prefix: rotated.prefix });
    const stored = await t.query(
      'SELECT previous_hash, previous_expires_at FROM api_keys WHERE id = $1',
      [created.id],
    );
    expect(stored).toEqual([
      { previous_hash: null, previous_expires_at: null },
    ]);
  });

  it('rotates with a grace: both secrets work until it ends, then the old one is 401; a second rotation replaces the previous secret', async () => {
    const u = await t.register();
    const created = await newKey(u.token);
    const res = await rotate(u.token, created.id, { grace_seconds: 3600 });
    expect(res.status).toBe(200);
    const second = res.body.key as string;
    expect((await me(created.key)).status).toBe(200);
    expect(await v1(created.key)).toBe('ok');
    expect((await me(second)).status).toBe(200);

    // The grace ends now (as stored): the old secret is refused at once.
    await t.query(
      `UPDATE api_keys SET previous_expires_at = statement_timestamp() WHERE id = $1`,
      [created.id],
    );
    expect((await me(created.key)).status).toBe(401);
    expect(await v1(created.key)).toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    expect((await me(second)).status).toBe(200);

    // Rotated twice: the first secret stays refused, the second has the grace, the third works.
    await t.query(
      `UPDATE api_keys SET previous_expires_at = now() + interval '1 hour' WHERE id = $1`,
      [created.id],
    );
    const third = (await rotate(u.token, created.id, { grace_seconds: 60 }))
      .body.key as string;
    expect((await me(created.key)).status).toBe(401);
    expect((await me(second)).status).toBe(200);
    expect((await me(third)).status).toBe(200);

    // An expired key is expired whichever secret is used.
    await t.query(
      `UPDATE api_keys SET expires_at = statement_timestamp() WHERE id = $1`,
      [created.id],
    );
    for (const key of [second, third]) {
      const r = await me(key);
      expect([r.status, r.body.message]).toEqual([401, 'API key expired']);
    }
  });

  it("answers 404 for another user's key, 403 to an API key, 400 to a bad grace or an unknown field, and changes nothing", async () => {
    const owner = await t.register();
    const other = await t.register();
    const created = await newKey(owner.token);
    const [{ key_hash: hash }] = await t.query<{ key_hash: string }>(
      'SELECT key_hash FROM api_keys WHERE id = $1',
      [created.id],
    );

    const theirs = await rotate(other.token, created.id);
    expect([theirs.status, theirs.body.code]).toEqual([404, 'NOT_FOUND']);
    const missing = await rotate(
      owner.token,
      '00000000-0000-4000-8000-000000000000',
    );
    expect(missing.status).toBe(404);
    const byKey = await rotate(created.key, created.id);
    expect([byKey.status, byKey.body.code]).toEqual([
      403,
      'API_KEY_NOT_ALLOWED',
    ]);
    for (const body of [
      { grace_seconds: -1 },
      { grace_seconds: 86401 },
      { grace_seconds: 1.5 },
      { grace_seconds: '60' },
      { grace_seconds: null },
      { grace: 60 },
    ]) {
      const r = await rotate(owner.token, created.id, body);
      expect([JSON.stringify(body), r.status, r.body.code]).toEqual([
        JSON.stringify(body),
        400,
        'VALIDATION_FAILED',
      ]);
    }
    const [{ key_hash: still }] = await t.query<{ key_hash: string }>(
      'SELECT key_hash FROM api_keys WHERE id = $1',
      [created.id],
    );
    expect(still).toBe(hash);
    expect((await me(created.key)).status).toBe(200);

    // The whole range is taken, and no body at all is the default (no grace).
    for (const grace_seconds of [0, 86400]) {
      const r = await rotate(owner.token, created.id, { grace_seconds });
      expect(r.status).toBe(200);
    }
    const bare = await t.http.post(
      `/api/auth/api-keys/${created.id}/rotate`,
      undefined,
      { token: owner.token },
    );
    expect(bare.status).toBe(200);
    const [stored] = await t.query(
      'SELECT previous_hash FROM api_keys WHERE id = $1',
      [created.id],
    );
    expect(stored.previous_hash).toBeNull();
  });
};

describe('API key expiry and rotation (PostgreSQL)', suite(false));
describe('API key rotation (PGlite)', suite(true));
