import OpenAI, { RateLimitError } from 'openai';
import type { FakeOpenAi } from '../support/fake-openai-server';
import { startWithFakeAi } from '../support/fake-ai-app';
import type { TestApp } from '../support/test-app';

/**
 * The gateway's admission on embedded PGlite (one session, no isolation):
 * the same exactness as on PostgreSQL, from single atomic statements.
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
              count(*) FILTER (WHERE status = 'refused')::int AS refused
       FROM gateway_requests WHERE user_id = $1`,
      [u.id],
    );
    expect(log).toEqual({ complete: 5, refused: 25 });
  });
});
