import OpenAI, { RateLimitError } from 'openai';
import { RequestLogRetention } from '../../src/modules/gateway/request-log-retention.service';
import { RequestLogService } from '../../src/modules/gateway/request-log.service';
import type { FakeOpenAi } from '../support/fake-openai-server';
import { refusals } from '../support/request-log';
import { startWithFakeAi } from '../support/fake-ai-app';
import type { TestApp } from '../support/test-app';

/**
 * The gateway's admission on embedded PGlite (one session, no isolation):
 * the same exactness as on PostgreSQL, from single atomic statements; and
 * its request log (refusals counted per minute, pruning) as in
 * request-log.spec.ts.
 */
describe('OpenAI-compatible gateway (PGlite)', () => {
  let t: TestApp;
  let fake: FakeOpenAi;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ t, fake, close } = await startWithFakeAi({ embedded: true }));
  }, 180_000);
  afterAll(() => close?.());

  it('admits exactly 5 of 30 concurrent completions with 5 messages left', async () => {
    const admin = await t.login();
    const model = (await t.http.get('/api/models', { token: admin })).body
      .default_model;
    await t.http.patch(
      '/api/admin/settings',
      { max_concurrent_streams_per_user: 100 },
      { token: admin },
    );
    const u = await t.register();
    expect(
      (
        await t.http.patch(
          `/api/admin/users/${u.id}`,
          { max_ai_messages_per_day: 5 },
          { token: admin },
        )
      ).status,
    ).toBe(200);
    const key = await t.http.post(
      '/api/auth/api-keys',
      { name: 'svc' },
      { token: u.token },
    );
    fake.setMode('slow');
    fake.delayMs = 10;
    const openai = new OpenAI({
      apiKey: key.body.key,
      baseURL: `${t.url}/v1`,
      maxRetries: 0,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        openai.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'count me' }],
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(
      results.filter(
        (r) => r.status === 'rejected' && r.reason instanceof RateLimitError,
      ),
    ).toHaveLength(25);
    const [day] = await t.query(
      'SELECT messages FROM usage_daily WHERE user_id = $1',
      [u.id],
    );
    expect(day.messages).toBe(5);
    const [log] = await t.query(
      `SELECT count(*) FILTER (WHERE status = 'complete')::int AS complete,
              sum(count) FILTER (WHERE status = 'refused')::int AS refused
       FROM gateway_requests WHERE user_id = $1`,
      [u.id],
    );
    expect(log).toEqual({ complete: 5, refused: 25 });
  });

  it('counts 30 refusals at once from one key into one row a minute, apart by key and code', async () => {
    const admin = await t.login();
    const u = await t.register();
    expect(
      (
        await t.http.patch(
          `/api/admin/users/${u.id}`,
          { max_ai_messages_per_day: 0 },
          { token: admin },
        )
      ).status,
    ).toBe(200);
    const keys: Array<{ id: string; key: string }> = [];
    for (const name of ['a', 'b'])
      keys.push(
        (await t.http.post('/api/auth/api-keys', { name }, { token: u.token }))
          .body,
      );
    const [a, b] = keys;
    const ask = (apiKey: string, model = 'local') =>
      new OpenAI({
        apiKey,
        baseURL: `${t.url}/v1`,
        maxRetries: 0,
      }).chat.completions
        .create({ model, messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
    const results = await Promise.all([
      ...Array.from({ length: 30 }, () => ask(a.key)),
      ...Array.from({ length: 3 }, () => ask(b.key)),
      ask(a.key, 'no-such-model'),
    ]);
    expect(results.filter((e) => e instanceof RateLimitError)).toHaveLength(33);
    const log = await t.http.get(
      `/api/admin/requests?user_id=${u.id}&page_size=200`,
      { token: admin },
    );
    expect(refusals(log.body.items)).toEqual({
      [`${a.id} QUOTA_MESSAGES_EXCEEDED`]: 30,
      [`${b.id} QUOTA_MESSAGES_EXCEEDED`]: 3,
      [`${a.id} model_not_found`]: 1,
    });
    expect(log.body.items.length).toBeLessThanOrEqual(6);

    // Names, search and one row read the same on PGlite.
    const byKey = await t.http.get(
      `/api/admin/requests?user_id=${u.id}&search=B`,
      { token: admin },
    );
    expect(byKey.status).toBe(200);
    expect(
      byKey.body.items.map((r: { api_key_name: string }) => r.api_key_name),
    ).toEqual(expect.arrayContaining(['b']));
    expect(
      byKey.body.items.every(
        (r: { api_key_id: string; user_email: string }) =>
          r.api_key_id === b.id && r.user_email === u.email.toLowerCase(),
      ),
    ).toBe(true);
    const one = await t.http.get(
      `/api/admin/requests/${byKey.body.items[0].id}`,
      { token: admin },
    );
    expect(one.body).toEqual(byKey.body.items[0]);
  });

  it('prunes the rows older than the retention', async () => {
    const u = await t.register();
    await t.query(
      `INSERT INTO gateway_requests (user_id, model, status, started_at, duration_ms)
       SELECT $1, 'local', 'complete', now() - make_interval(days => d), 5
       FROM unnest($2::int[]) AS d`,
      [u.id, [91, 200, 365, 89, 0]],
    );
    expect(await t.app.get(RequestLogService).prune(90, 2)).toBe(3);
    const [{ n }] = await t.query(
      `SELECT count(*)::int AS n FROM gateway_requests WHERE user_id = $1`,
      [u.id],
    );
    expect(n).toBe(2);
    expect(await t.app.get(RequestLogRetention).prune()).toBe(0);
  });
});
