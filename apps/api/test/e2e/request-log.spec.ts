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
