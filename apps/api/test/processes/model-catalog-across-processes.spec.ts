import { Client } from 'pg';
import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../support/fake-openai-server';
import type { HttpResponse } from '../support/http';
import type { ApiProcess } from './support/api-process';
import { type Cluster, twoProcessesPerFile } from './support/cluster';

/**
 * The model catalog each API process keeps in memory for API-key requests
 * (ModelCatalog): an admin's change made through one process is what the
 * very next request through the other process gets, with no wait: a new
 * price, a new upstream model or connection, a disabled or deleted model.
 * And while nothing changed, a completion does not read the catalog.
 */
describe('the model catalog across API processes', () => {
  const processes = twoProcessesPerFile();
  let c: Cluster;
  let a: ApiProcess;
  let b: ApiProcess;
  let other: FakeOpenAi;
  let key: string;
  let keyId: string;
  let connection: string;
  beforeAll(async () => {
    ({ c, a, b } = processes);
    other = await startFakeOpenAi();
    const user = await c.newUser(a);
    const created = await c
      .http(a)
      .post('/api/auth/api-keys', { name: 'svc' }, { token: user.token });
    expect(created.status).toBe(201);
    ({ key, id: keyId } = created.body);
    const conn = await admin('post', '/api/admin/connections', {
      name: 'Fake',
      base_url: c.fake.url,
    });
    expect(conn.status).toBe(201);
    connection = conn.body.id;
  });
  afterAll(() => other?.close());
  beforeEach(() => {
    other.reset();
    // Prompt tokens within the estimate held (a provider reporting more is charged the estimate).
    c.fake.usage = { prompt_tokens: 6, completion_tokens: 5 };
  });

  /** An admin's change, always through process A. */
  const admin = (
    method: 'post' | 'patch' | 'delete',
    path: string,
    body?: unknown,
  ): Promise<HttpResponse> =>
    method === 'delete'
      ? c.http(a).delete(path, { token: c.admin })
      : c.http(a)[method](path, body, { token: c.admin });

  /** A completion through process B (or `p`). */
  const complete = (model: string, p: ApiProcess = b, signal?: AbortSignal) =>
    c
      .http(p)
      .post(
        '/v1/chat/completions',
        { model, messages: [{ role: 'user', content: 'hello' }] },
        { token: key, signal },
      );

  /** The cost logged for the API key's latest request. */
  const lastCost = async () => {
    const [row] = await c.query<{ cost: string | null }>(
      `SELECT cost FROM gateway_requests WHERE api_key_id = $1
       ORDER BY started_at DESC, id DESC LIMIT 1`,
      [keyId],
    );
    return row.cost === null ? null : Number(row.cost);
  };

  it("serves the next request through B with A's change, whatever it changed", async () => {
    const created = await admin('post', '/api/admin/models', {
      id: 'catalog-a',
      name: 'Catalog A',
      connection_id: connection,
      upstream_model: 'upstream-1',
      input_price: 1,
      output_price: 2,
    });
    expect(created.status).toBe(201);
    // B answers it at once, and from then on holds it in memory.
    expect((await complete('catalog-a')).status).toBe(200);
    expect(await lastCost()).toBe(6 * 1 + 5 * 2);
    expect((await complete('catalog-a')).status).toBe(200);

    // A new price.
    let res = await admin('patch', '/api/admin/models/catalog-a', {
      input_price: 3,
    });
    expect(res.status).toBe(200);
    expect((await complete('catalog-a')).status).toBe(200);
    expect(await lastCost()).toBe(6 * 3 + 5 * 2);

    // A new upstream model.
    res = await admin('patch', '/api/admin/models/catalog-a', {
      upstream_model: 'upstream-2',
    });
    expect(res.status).toBe(200);
    c.fake.reset();
    // Prompt tokens within the estimate held (a provider reporting more is charged the estimate).
    c.fake.usage = { prompt_tokens: 6, completion_tokens: 5 };
    expect((await complete('catalog-a')).status).toBe(200);
    expect(c.fake.requests.map((r) => r.body.model)).toEqual(['upstream-2']);

    // The connection now points at another provider.
    res = await admin('patch', `/api/admin/connections/${connection}`, {
      base_url: other.url,
    });
    expect(res.status).toBe(200);
    c.fake.reset();
    expect((await complete('catalog-a')).status).toBe(200);
    expect(other.requests).toHaveLength(1);
    expect(c.fake.requests).toHaveLength(0);

    // Disabled: 404 at once, and again once enabled.
    res = await admin('patch', '/api/admin/models/catalog-a', {
      enabled: false,
    });
    expect(res.status).toBe(200);
    res = await complete('catalog-a');
    expect([res.status, res.body.error?.code]).toEqual([
      404,
      'model_not_found',
    ]);
    res = await admin('patch', '/api/admin/models/catalog-a', {
      enabled: true,
    });
    expect(res.status).toBe(200);
    expect((await complete('catalog-a')).status).toBe(200);

    // Deleted: 404 at once.
    res = await admin('delete', '/api/admin/models/catalog-a');
    expect(res.status).toBe(204);
    res = await complete('catalog-a');
    expect([res.status, res.body.error?.code]).toEqual([
      404,
      'model_not_found',
    ]);
  });

  it('does not read the catalog for a completion while it is unchanged', async () => {
    const created = await admin('post', '/api/admin/models', {
      id: 'catalog-b',
      name: 'Catalog B',
      connection_id: connection,
      upstream_model: 'upstream-b',
      input_price: 0,
      output_price: 0,
    });
    expect(created.status).toBe(201);
    expect((await complete('catalog-b')).status).toBe(200);

    // Nobody may read the catalog's tables now; a completion still answers.
    const locker = new Client({ connectionString: c.db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(
        'LOCK TABLE ai_models, ai_connections IN ACCESS EXCLUSIVE MODE',
      );
      const res = await complete('catalog-b', b, AbortSignal.timeout(15_000));
      expect(res.status).toBe(200);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  });
});
