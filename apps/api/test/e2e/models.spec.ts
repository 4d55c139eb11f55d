import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../support/fake-openai-server';
import { startTestApp, type TestApp } from '../support/test-app';

const BUILT_IN = '00000000-0000-4000-8000-000000000001';
const KEY = 'sk-proj-secret-key-0123456789-abcdWXYZ';

describe('models: connections and the catalog (PostgreSQL)', () => {
  let t: TestApp;
  let fake: FakeOpenAi;
  let admin: string;
  let user: string;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    t = await startTestApp();
    admin = await t.login();
    user = (await t.register()).token;
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const newConnection = async (body: Record<string, unknown> = {}) => {
    const res = await t.http.post(
      '/api/admin/connections',
      { name: 'Fake', base_url: fake.url, ...body },
      { token: admin },
    );
    expect(res.status).toBe(201);
    return res.body;
  };

  it('seeds the local model on the built-in connection, the default for everyone', async () => {
    const models = await t.http.get('/api/models', { token: user });
    expect(models.status).toBe(200);
    expect(models.body.default_model).toBe('local');
    expect(models.body.items).toEqual([
      expect.objectContaining({
        id: 'local',
        enabled: true,
        input_price: 0,
        output_price: 0,
        max_output_tokens: 1024,
        context_tokens: 8192,
      }),
    ]);
    expect(models.body.items[0]).not.toHaveProperty('connection_id');
    expect(models.body.items[0]).not.toHaveProperty('upstream_model');
    const conns = await t.http.get('/api/admin/connections', { token: admin });
    expect(conns.body.items[0]).toMatchObject({
      id: BUILT_IN,
      kind: 'local',
      source: 'built-in',
      has_api_key: false,
      api_key_hint: null,
    });
    const settings = await t.http.get('/api/admin/settings', { token: admin });
    expect(settings.body.default_model).toBe('local');
    expect(
      (await t.http.get('/api/admin/connections', { token: user })).status,
    ).toBe(403);
    expect((await t.http.get('/api/models')).status).toBe(401);
  });

  it('stores a connection key encrypted, answers only its hint, and never logs or returns it', async () => {
    const conn = await newConnection({
      api_key: KEY,
      token_parameter: 'max_completion_tokens',
      timeout_ms: 5000,
    });
    expect(conn).toMatchObject({
      name: 'Fake',
      kind: 'openai',
      base_url: fake.url,
      has_api_key: true,
      api_key_hint: 'WXYZ',
      token_parameter: 'max_completion_tokens',
      timeout_ms: 5000,
      source: 'admin',
    });
    expect(JSON.stringify(conn)).not.toContain(KEY);
    const [row] = await t.query(`SELECT * FROM ai_connections WHERE id = $1`, [
      conn.id,
    ]);
    expect(JSON.stringify(row)).not.toContain(KEY);
    expect(JSON.stringify(row)).not.toContain(
      Buffer.from(KEY).toString('base64'),
    );
    expect(row.api_key_ciphertext).toMatch(/^v1:/);
    const dump = await t.query(
      `SELECT string_agg(t::text, ' ') AS all FROM ai_connections t`,
    );
    expect(dump[0].all).not.toContain(KEY);
    // The generated SECRETS_KEY is kept in DATA_DIR, readable by its owner only.
    expect(statSync(join(t.dataDir, 'secrets-key')).mode & 0o777).toBe(0o600);

    const list = await t.http.get('/api/admin/connections', { token: admin });
    expect(list.text).not.toContain(KEY);

    // The key is sent upstream: the test action lists the provider's models.
    fake.models = ['gpt-a', 'gpt-b'];
    const test = await t.http.post(
      `/api/admin/connections/${conn.id}/test`,
      undefined,
      { token: admin },
    );
    expect(test.status).toBe(200);
    expect(test.body).toEqual({ ok: true, models: ['gpt-a', 'gpt-b'] });
    expect(fake.requests[0]).toMatchObject({
      method: 'GET',
      path: '/v1/models',
    });
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);

    // Leaving the key out keeps it; null removes it.
    const renamed = await t.http.patch(
      `/api/admin/connections/${conn.id}`,
      { name: 'Renamed' },
      { token: admin },
    );
    expect(renamed.body).toMatchObject({
      name: 'Renamed',
      has_api_key: true,
      api_key_hint: 'WXYZ',
    });
    const cleared = await t.http.patch(
      `/api/admin/connections/${conn.id}`,
      { api_key: null },
      { token: admin },
    );
    expect(cleared.body).toMatchObject({
      has_api_key: false,
      api_key_hint: null,
    });
    const [after] = await t.query(
      `SELECT api_key_ciphertext FROM ai_connections WHERE id = $1`,
      [conn.id],
    );
    expect(after.api_key_ciphertext).toBeNull();
  });

  it('answers a failed test as ok: false, without the key', async () => {
    const conn = await newConnection({
      api_key: KEY,
      base_url: 'http://127.0.0.1:9/v1',
    });
    const test = await t.http.post(
      `/api/admin/connections/${conn.id}/test`,
      undefined,
      { token: admin },
    );
    expect(test.status).toBe(200);
    expect(test.body).toEqual({ ok: false, error: expect.any(String) });
    expect(test.text).not.toContain(KEY);
  });

  it('refuses bad connections and changes nothing', async () => {
    const before = await t.query(
      `SELECT count(*)::int AS n FROM ai_connections`,
    );
    for (const body of [
      { name: 'x', base_url: 'ftp://example.com' },
      { name: 'x', base_url: 'not a url' },
      { name: '', base_url: fake.url },
      { name: 'x', base_url: fake.url, token_parameter: 'max' },
      { name: 'x', base_url: fake.url, timeout_ms: 0 },
      { name: 'x', base_url: fake.url, api_key: '' },
      { name: 'x', base_url: fake.url, api_key: null },
      { name: 'x', base_url: fake.url, kind: 'local' },
      { name: 'x', base_url: fake.url, source: 'built-in' },
    ]) {
      const res = await t.http.post('/api/admin/connections', body, {
        token: admin,
      });
      expect([JSON.stringify(body), res.status]).toEqual([
        JSON.stringify(body),
        400,
      ]);
    }
    expect(
      await t.query(`SELECT count(*)::int AS n FROM ai_connections`),
    ).toEqual(before);
  });

  it('keeps the built-in connection read-only', async () => {
    const patch = await t.http.patch(
      `/api/admin/connections/${BUILT_IN}`,
      { name: 'x' },
      { token: admin },
    );
    expect(patch.status).toBe(409);
    expect(patch.body.code).toBe('MANAGED_BY_ENVIRONMENT');
    const del = await t.http.delete(`/api/admin/connections/${BUILT_IN}`, {
      token: admin,
    });
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('MANAGED_BY_ENVIRONMENT');
    const missing = await t.http.delete(
      `/api/admin/connections/${randomUUIDv4()}`,
      { token: admin },
    );
    expect(missing.status).toBe(404);
  });

  it('publishes models with prices, validates them, and guards the default', async () => {
    const conn = await newConnection();
    const body = {
      id: 'gpt-4o-mini',
      name: 'GPT-4o mini',
      connection_id: conn.id,
      upstream_model: 'gpt-4o-mini-2024-07-18',
      input_price: 0.15,
      output_price: 0.6,
    };
    const created = await t.http.post('/api/admin/models', body, {
      token: admin,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ...body,
      enabled: true,
      max_output_tokens: 1024,
      context_tokens: 8192,
    });
    expect(
      (await t.http.post('/api/admin/models', body, { token: admin })).body
        .code,
    ).toBe('MODEL_EXISTS');

    for (const bad of [
      { ...body, id: 'Upper' },
      { ...body, id: '-dash' },
      { ...body, id: 'x'.repeat(65) },
      { ...body, input_price: -1 },
      { ...body, input_price: 1000001 },
      { ...body, input_price: 0.1234567 },
      { ...body, output_price: '1' },
      { ...body, max_output_tokens: 0 },
      { ...body, context_tokens: 255 },
      { ...body, connection_id: 'nope' },
      { ...body, extra: 1 },
    ]) {
      const res = await t.http.post(
        '/api/admin/models',
        { ...bad, id: bad.id === body.id ? 'other' : bad.id },
        { token: admin },
      );
      expect([JSON.stringify(bad), res.status]).toEqual([
        JSON.stringify(bad),
        400,
      ]);
    }
    const noConn = await t.http.post(
      '/api/admin/models',
      { ...body, id: 'other', connection_id: randomUUIDv4() },
      { token: admin },
    );
    expect(noConn.status).toBe(404);

    const patched = await t.http.patch(
      '/api/admin/models/gpt-4o-mini',
      { output_price: 0.75, enabled: false },
      { token: admin },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      output_price: 0.75,
      enabled: false,
      input_price: 0.15,
    });
    expect(
      (
        await t.http.patch(
          '/api/admin/models/gpt-4o-mini',
          { id: 'x' },
          { token: admin },
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await t.http.patch(
          '/api/admin/models/missing',
          { name: 'x' },
          { token: admin },
        )
      ).status,
    ).toBe(404);

    // Disabled: not offered, not a possible default.
    const offered = await t.http.get('/api/models', { token: user });
    expect(offered.body.items.map((m: { id: string }) => m.id)).toEqual([
      'local',
    ]);
    const refused = await t.http.patch(
      '/api/admin/settings',
      { default_model: 'gpt-4o-mini' },
      { token: admin },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('UNKNOWN_MODEL');
    expect(
      (
        await t.http.patch(
          '/api/admin/settings',
          { default_model: 'nope' },
          { token: admin },
        )
      ).body.code,
    ).toBe('UNKNOWN_MODEL');

    await t.http.patch(
      '/api/admin/models/gpt-4o-mini',
      { enabled: true },
      { token: admin },
    );
    const made = await t.http.patch(
      '/api/admin/settings',
      { default_model: 'gpt-4o-mini' },
      { token: admin },
    );
    expect(made.status).toBe(200);
    expect(made.body.default_model).toBe('gpt-4o-mini');
    expect(
      (await t.http.get('/api/models', { token: user })).body.default_model,
    ).toBe('gpt-4o-mini');

    const delDefault = await t.http.delete('/api/admin/models/gpt-4o-mini', {
      token: admin,
    });
    expect(delDefault.status).toBe(409);
    expect(delDefault.body.code).toBe('MODEL_IS_DEFAULT');
    const disableDefault = await t.http.patch(
      '/api/admin/models/gpt-4o-mini',
      { enabled: false },
      { token: admin },
    );
    expect(disableDefault.body.code).toBe('MODEL_IS_DEFAULT');

    // A connection in use cannot go.
    const inUse = await t.http.delete(`/api/admin/connections/${conn.id}`, {
      token: admin,
    });
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe('CONNECTION_IN_USE');

    await t.http.patch(
      '/api/admin/settings',
      { default_model: 'local' },
      { token: admin },
    );
    expect(
      (await t.http.delete('/api/admin/models/gpt-4o-mini', { token: admin }))
        .status,
    ).toBe(204);
    expect(
      (
        await t.http.delete(`/api/admin/connections/${conn.id}`, {
          token: admin,
        })
      ).status,
    ).toBe(204);
  });
});

describe('models: the environment connection and SECRETS_KEY in production (PostgreSQL)', () => {
  it('keeps the environment connection and model in step with the environment; default until an admin changes it', async () => {
    const fake = await startFakeOpenAi();
    const env = {
      AI_PROVIDER: 'openai',
      AI_BASE_URL: fake.url,
      AI_API_KEY: 'sk-env-key-abcd1234',
      AI_MODEL: 'Meta-Llama/Llama-3.1 8B',
    };
    const first = await startTestApp({ env });
    try {
      const admin = await first.login();
      const models = await first.http.get('/api/models', { token: admin });
      expect(models.body.default_model).toBe('meta-llama-llama-3.1-8b');
      const conns = await first.http.get('/api/admin/connections', {
        token: admin,
      });
      const envConn = conns.body.items.find(
        (c: { source: string }) => c.source === 'environment',
      );
      expect(envConn).toMatchObject({
        kind: 'openai',
        base_url: fake.url,
        has_api_key: true,
        api_key_hint: '1234',
      });
      expect(conns.text).not.toContain('sk-env-key-abcd1234');
      const [row] = await first.query(
        `SELECT * FROM ai_connections WHERE id = $1`,
        [envConn.id],
      );
      expect(row.api_key_ciphertext).toBeNull();
      expect(
        (
          await first.http.patch(
            `/api/admin/connections/${envConn.id}`,
            { name: 'x' },
            { token: admin },
          )
        ).body.code,
      ).toBe('MANAGED_BY_ENVIRONMENT');
      const admModels = await first.http.get('/api/admin/models', {
        token: admin,
      });
      expect(admModels.body.items).toContainEqual(
        expect.objectContaining({
          id: 'meta-llama-llama-3.1-8b',
          connection_id: envConn.id,
          upstream_model: 'Meta-Llama/Llama-3.1 8B',
        }),
      );
      // The admin's name and price stay across restarts; the upstream name follows the environment.
      await first.http.patch(
        '/api/admin/models/meta-llama-llama-3.1-8b',
        { name: 'Llama', input_price: 1 },
        { token: admin },
      );
      await first.app.close();

      const second = await startTestApp({
        database: first.db!,
        dataDir: first.dataDir,
        env: {
          ...env,
          AI_BASE_URL: fake.url.replace('127.0.0.1', 'localhost'),
        },
      });
      try {
        const a2 = await second.login();
        const m = (
          await second.http.get('/api/admin/models', { token: a2 })
        ).body.items.find(
          (x: { id: string }) => x.id === 'meta-llama-llama-3.1-8b',
        );
        expect(m).toMatchObject({ name: 'Llama', input_price: 1 });
        const c = (
          await second.http.get('/api/admin/connections', { token: a2 })
        ).body.items.find(
          (x: { source: string }) => x.source === 'environment',
        );
        expect(c.base_url).toContain('localhost');
        // Once an admin picks the default, it stays theirs.
        await second.http.patch(
          '/api/admin/settings',
          { default_model: 'local' },
          { token: a2 },
        );
        expect(
          (await second.http.get('/api/models', { token: a2 })).body
            .default_model,
        ).toBe('local');
      } finally {
        await second.close();
      }
    } finally {
      await first.db?.drop().catch(() => undefined);
      await fake.close();
    }
  });

  it('in production without SECRETS_KEY it starts, but storing a key is 400 SECRETS_KEY_REQUIRED', async () => {
    const t = await startTestApp({ env: { NODE_ENV: 'production' } });
    try {
      const admin = await t.login();
      const res = await t.http.post(
        '/api/admin/connections',
        { name: 'x', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-abc' },
        { token: admin },
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('SECRETS_KEY_REQUIRED');
      expect(
        await t.query(
          `SELECT count(*)::int AS n FROM ai_connections WHERE source = 'admin'`,
        ),
      ).toEqual([{ n: 0 }]);
      const keyless = await t.http.post(
        '/api/admin/connections',
        { name: 'x', base_url: 'http://127.0.0.1:9/v1' },
        { token: admin },
      );
      expect(keyless.status).toBe(201);
    } finally {
      await t.close();
    }
  });
});

function randomUUIDv4(): string {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
