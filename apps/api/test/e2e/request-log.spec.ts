import OpenAI, { NotFoundError, RateLimitError } from 'openai';
import { RequestLogRetention } from '../../src/modules/gateway/request-log-retention.service';
import { RequestLogService } from '../../src/modules/gateway/request-log.service';
import { eventually } from '../support/chat-stream';
import { type LoggedRequest, refusals } from '../support/request-log';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The request log stays small (API.md "Security rules added in v3"):
 * refused requests of one user, key and code in one minute are one row
 * with a `count`, and rows older than `REQUEST_LOG_RETENTION_DAYS` are
 * pruned, at start and on demand, by any number of processes at once.
 * PostgreSQL; gateway-embedded.spec.ts does the same on PGlite.
 */
describe('the request log (PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;

  const client = (apiKey: string, url = t.url) =>
    new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 });
  const ask = (apiKey: string, model = 'local', url = t.url) =>
    client(apiKey, url)
      .chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((e: unknown) => e);

  const newKey = async (token: string, name: string) => {
    const res = await t.http.post('/api/auth/api-keys', { name }, { token });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string };
  };

  /** A user whose quota is spent before the first request. */
  const blockedUser = async () => {
    const u = await t.register();
    const res = await t.http.patch(
      `/api/admin/users/${u.id}`,
      { max_ai_messages_per_day: 0 },
      { token: admin },
    );
    expect(res.status).toBe(200);
    return u;
  };

  const logOf = async (userId: string) => {
    const res = await t.http.get(
      `/api/admin/requests?user_id=${userId}&page_size=200`,
      { token: admin },
    );
    expect(res.status).toBe(200);
    return res.body as { items: LoggedRequest[]; total: number };
  };

  /** Rows that started `days` days ago, written behind the API's back. */
  const oldRows = (userId: string, days: number[]) =>
    t.query(
      `INSERT INTO gateway_requests (user_id, model, status, started_at, duration_ms)
       SELECT $1, 'local', 'complete', now() - make_interval(days => d), 5
       FROM unnest($2::int[]) AS d`,
      [userId, days],
    );
  const rowsOf = async (userId: string) =>
    (
      await t.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM gateway_requests WHERE user_id = $1`,
        [userId],
      )
    )[0].n;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t?.close());

  it('counts 30 refusals at once from one key into one row a minute, apart by key and code', async () => {
    const u = await blockedUser();
    const [a, b] = [await newKey(u.token, 'a'), await newKey(u.token, 'b')];
    // Half of them through a second API process on the same database: a
    // process admits one user's requests one at a time, processes do not.
    const other = await startTestApp({ database: t.db ?? undefined });
    const results = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) =>
        ask(a.key, 'local', i % 2 ? other.url : t.url),
      ),
      ...Array.from({ length: 4 }, () => ask(b.key)),
      ...Array.from({ length: 2 }, () => ask(a.key, 'no-such-model')),
      ask(u.token),
    ]).finally(() => other.close());
    expect(
      results.filter(
        (e) =>
          e instanceof RateLimitError && e.code === 'QUOTA_MESSAGES_EXCEEDED',
      ),
    ).toHaveLength(35);
    expect(results.filter((e) => e instanceof NotFoundError)).toHaveLength(2);

    const log = await logOf(u.id);
    expect(refusals(log.items)).toEqual({
      [`${a.id} QUOTA_MESSAGES_EXCEEDED`]: 30,
      [`${b.id} QUOTA_MESSAGES_EXCEEDED`]: 4,
      [`${a.id} model_not_found`]: 2,
      'token QUOTA_MESSAGES_EXCEEDED': 1,
    });
    // One row each, unless the burst straddled a minute's end.
    expect(log.items.length).toBeLessThanOrEqual(8);
    expect(log.total).toBe(log.items.length);
    const [row] = log.items.filter(
      (r) => r.api_key_id === a.id && r.code === 'QUOTA_MESSAGES_EXCEEDED',
    );
    expect(row).toMatchObject({ status: 'refused', model: 'local' });
  });

  it('keeps a deleted key’s refusals apart from the same minute’s without a key', async () => {
    const u = await blockedUser();
    const k = await newKey(u.token, 'gone');
    await Promise.all([ask(k.key), ask(k.key), ask(u.token)]);
    expect(
      (await t.http.delete(`/api/auth/api-keys/${k.id}`, { token: u.token }))
        .status,
    ).toBe(204);
    await ask(u.token);
    const log = await logOf(u.id);
    // The key's row lost its id, and neither row took the other's count.
    expect(log.items.every((r) => r.api_key_id === null)).toBe(true);
    expect(log.items.map((r) => r.count).reduce((sum, n) => sum + n, 0)).toBe(
      4,
    );
    const [{ n: keyed }] = await t.query<{ n: number }>(
      `SELECT coalesce(sum(count), 0)::int AS n FROM gateway_requests
       WHERE user_id = $1 AND by_api_key`,
      [u.id],
    );
    expect(keyed).toBe(2);
  });

  it('logs every other request with count 1', async () => {
    const u = await t.register();
    const k = await newKey(u.token, 'ok');
    await client(k.key).chat.completions.create({
      model: 'local',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await client(k.key).chat.completions.create({
      model: 'local',
      messages: [{ role: 'user', content: 'again' }],
    });
    const log = await logOf(u.id);
    expect(log.items.map((r) => [r.status, r.count])).toEqual([
      ['complete', 1],
      ['complete', 1],
    ]);
  });

  it('prunes the rows older than the retention in batches, keeping the rest', async () => {
    const u = await t.register();
    await oldRows(u.id, [91, 92, 120, 365, 400, 89]);
    expect(await t.app.get(RequestLogService).prune(90, 2)).toBe(5);
    expect(await rowsOf(u.id)).toBe(1);
    // The app's own retention is the default 90 days.
    await oldRows(u.id, [95]);
    expect(await t.app.get(RequestLogRetention).prune()).toBe(1);
    expect(await rowsOf(u.id)).toBe(1);
  });

  it('prunes at start, and two processes pruning at once share the rows', async () => {
    const u = await t.register();
    await oldRows(u.id, [40, 10]);
    const second = await startTestApp({
      database: t.db ?? undefined,
      env: { REQUEST_LOG_RETENTION_DAYS: '30' },
    });
    try {
      // Its start-up pruning runs behind its start: nothing else deletes here.
      await eventually(async () => (await rowsOf(u.id)) === 1);
      const [{ days }] = await t.query<{ days: number }>(
        `SELECT round(extract(epoch FROM now() - started_at) / 86400)::int AS days
         FROM gateway_requests WHERE user_id = $1`,
        [u.id],
      );
      expect(days).toBe(10);

      await oldRows(
        u.id,
        Array.from({ length: 40 }, (_, i) => 100 + i),
      );
      const [mine, theirs] = await Promise.all([
        t.app.get(RequestLogService).prune(90, 3),
        second.app.get(RequestLogService).prune(90, 3),
      ]);
      expect(mine + theirs).toBe(40);
      expect(await rowsOf(u.id)).toBe(1);
    } finally {
      await second.close();
    }
  });

  describe('who made each request, and search', () => {
    /** `GET /api/admin/requests` with these query parameters. */
    const listed = async (query: string) => {
      const res = await t.http.get(`/api/admin/requests?${query}`, {
        token: admin,
      });
      expect(res.status).toBe(200);
      return res.body as { items: LoggedRequest[]; total: number };
    };
    const tag = `n${Date.now().toString(36)}`;
    let alice: { id: string; token: string; email: string };
    let bob: { id: string; token: string; email: string };
    let ci: { id: string; key: string };

    beforeAll(async () => {
      alice = await t.register(
        `Alice.${tag}@Example.com`,
        undefined,
        `Alice ${tag}`,
      );
      bob = await t.register(`bob.${tag}@example.com`, undefined, `Bob`);
      ci = await newKey(alice.token, `CI 100%_${tag}`);
      const other = await newKey(bob.token, 'laptop');
      await client(ci.key).chat.completions.create({
        model: 'local',
        messages: [{ role: 'user', content: 'hi' }],
      });
      await client(other.key).chat.completions.create({
        model: 'local',
        messages: [{ role: 'user', content: 'hi' }],
      });
      await client(bob.token).chat.completions.create({
        model: 'local',
        messages: [{ role: 'user', content: 'hi' }],
      });
    });

    it('names the user and the key of each row', async () => {
      const log = await listed(`user_id=${alice.id}`);
      expect(log.items).toEqual([
        expect.objectContaining({
          user_id: alice.id,
          user_email: alice.email.toLowerCase(),
          user_name: `Alice ${tag}`,
          api_key_id: ci.id,
          api_key_name: `CI 100%_${tag}`,
          by_api_key: true,
        }),
      ]);
      const bobs = await listed(`user_id=${bob.id}`);
      expect(
        bobs.items.map((r) => [r.user_name, r.api_key_name, r.by_api_key]),
      ).toEqual([
        ['Bob', null, false],
        ['Bob', 'laptop', true],
      ]);
    });

    it('searches by e-mail, name or key name, in any case, with the other filters', async () => {
      const ids = async (query: string) =>
        (await listed(query)).items.map((r) => r.user_id);
      // E-mail, any case.
      expect(
        await ids(`search=${encodeURIComponent(`ALICE.${tag}@`)}`),
      ).toEqual([alice.id]);
      // The user's name.
      expect(await ids(`search=${encodeURIComponent(`alice ${tag}`)}`)).toEqual(
        [alice.id],
      );
      // The key's name; `%` and `_` are plain characters, not patterns.
      expect(
        await ids(`search=${encodeURIComponent(`ci 100%_${tag}`)}`),
      ).toEqual([alice.id]);
      expect(
        (await listed(`search=${encodeURIComponent(`ci 1%0_${tag}`)}`)).total,
      ).toBe(0);
      // Bob's e-mail matches all three of his rows; with the key filter, one.
      const bobs = await listed(
        `search=${encodeURIComponent(`bob.${tag}`)}&page_size=1`,
      );
      expect(bobs.total).toBe(2);
      expect(bobs.items).toHaveLength(1);
      expect(
        (
          await listed(
            `search=${encodeURIComponent(`bob.${tag}`)}&user_id=${alice.id}`,
          )
        ).total,
      ).toBe(0);
      // A page past the end still says how many there are.
      const past = await listed(`search=${encodeURIComponent(tag)}&page=9`);
      expect(past).toMatchObject({ items: [], total: 3 });
    });

    it('refuses a search that is empty or too long', async () => {
      for (const search of ['', 'x'.repeat(255)]) {
        const res = await t.http.get(`/api/admin/requests?search=${search}`, {
          token: admin,
        });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
    });

    it('shows one row by id: 200, 404 for an unknown id, 400 for a malformed one', async () => {
      const [row] = (await listed(`user_id=${alice.id}`)).items;
      const one = await t.http.get(`/api/admin/requests/${row.id}`, {
        token: admin,
      });
      expect(one.status).toBe(200);
      expect(one.body).toEqual(row);
      const unknown = await t.http.get(
        '/api/admin/requests/00000000-0000-4000-8000-000000000000',
        { token: admin },
      );
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
      const bad = await t.http.get('/api/admin/requests/not-an-id', {
        token: admin,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      // Admins only.
      expect(
        (
          await t.http.get(`/api/admin/requests/${row.id}`, {
            token: bob.token,
          })
        ).status,
      ).toBe(403);
    });

    it('keeps the rows of a deleted key, with no key name and no key id', async () => {
      const k = await newKey(bob.token, `doomed ${tag}`);
      await client(k.key).chat.completions.create({
        model: 'local',
        messages: [{ role: 'user', content: 'hi' }],
      });
      const [before] = (await listed(`api_key_id=${k.id}`)).items;
      expect(before.api_key_name).toBe(`doomed ${tag}`);
      expect(
        (
          await t.http.delete(`/api/auth/api-keys/${k.id}`, {
            token: bob.token,
          })
        ).status,
      ).toBe(204);
      const after = await t.http.get(`/api/admin/requests/${before.id}`, {
        token: admin,
      });
      expect(after.body).toMatchObject({
        api_key_id: null,
        api_key_name: null,
        by_api_key: true,
        user_name: 'Bob',
      });
      // Its old name no longer finds it.
      expect(
        (await listed(`search=${encodeURIComponent(`doomed ${tag}`)}`)).total,
      ).toBe(0);
    });
  });

  it('describes the names, search and the detail route in the OpenAPI document', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    const item = doc.components.schemas.GatewayRequestDto;
    expect(item.required).toEqual(
      expect.arrayContaining([
        'user_email',
        'user_name',
        'api_key_name',
        'by_api_key',
      ]),
    );
    expect(item.properties.api_key_name).toMatchObject({ nullable: true });
    const list = doc.paths['/api/admin/requests'].get;
    expect(list.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'search',
          in: 'query',
          required: false,
        }),
      ]),
    );
    const one = doc.paths['/api/admin/requests/{id}'].get;
    expect(one.operationId).toBe('getGatewayRequest');
    expect(Object.keys(one.responses)).toEqual(
      expect.arrayContaining(['200', '400', '404']),
    );
  });

  it('describes count in the OpenAPI document', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    expect(doc.components.schemas.GatewayRequestDto.properties.count).toEqual(
      expect.objectContaining({ type: 'integer', minimum: 1 }),
    );
    expect(doc.components.schemas.GatewayRequestDto.required).toContain(
      'count',
    );
  });
});
