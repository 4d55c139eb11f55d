import { limitsApi } from '../support/admin-limits';
import { type QuotaHarness, startQuotaHarness } from '../support/quota';

/** `GET /api/usage`: a user's own history from the ledger (PostgreSQL). */
describe('own usage history (PostgreSQL, over HTTP)', () => {
  let h: QuotaHarness;

  beforeAll(async () => {
    h = await startQuotaHarness();
    // 1 and 2 micro-dollars per prompt and completion token.
    const priced = await h.t.http.patch(
      '/api/admin/models/gpt-4o-mini',
      { input_price: 1, output_price: 2 },
      { token: h.admin },
    );
    expect(priced.status).toBe(200);
  });
  afterAll(() => h?.close());

  it("answers the caller's own days, oldest first, zeros included, default the 30 days ending today", async () => {
    const api = limitsApi(h);
    const u = await h.newUser();
    const other = await h.newUser();
    // Prompt tokens within the estimate held (more would be charged the estimate).
    h.fake.usage = { prompt_tokens: 5, completion_tokens: 45 };
    const chat = await h.t.newChat(u.token);
    for (let i = 0; i < 2; i++)
      expect((await api.send(u, chat)).status).toBe(200);
    expect((await api.send(other, await h.t.newChat(other.token))).status).toBe(
      200,
    );
    await h.t.query(
      `INSERT INTO usage_daily (user_id, day, messages, tokens, cost) VALUES ($1, '2026-11-20', 4, 400, 900)`,
      [u.id],
    );

    const res = await h.t.http.get('/api/usage', { token: u.token });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(30);
    expect(res.body.items[0]).toEqual({
      date: '2026-10-30',
      messages: 0,
      tokens: 0,
      cost: 0,
    });
    expect(res.body.items.at(-1)).toEqual({
      date: '2026-11-28',
      messages: 2,
      tokens: 100,
      cost: 190,
    });
    expect(
      res.body.items.find((d: { date: string }) => d.date === '2026-11-20'),
    ).toEqual({ date: '2026-11-20', messages: 4, tokens: 400, cost: 900 });
    expect(
      res.body.items.reduce(
        (n: number, d: { messages: number }) => n + d.messages,
        0,
      ),
    ).toBe(6);

    const range = await h.t.http.get(
      '/api/usage?from=2026-11-27&to=2026-11-29',
      { token: u.token },
    );
    expect(range.body.items.map((d: { date: string }) => d.date)).toEqual([
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
    ]);
    const others = await h.t.http.get('/api/usage?from=2026-11-28', {
      token: other.token,
    });
    expect(others.body.items).toEqual([
      { date: '2026-11-28', messages: 1, tokens: 50, cost: 95 },
    ]);
    const year = await h.t.http.get(
      '/api/usage?from=2025-11-28&to=2026-11-28',
      { token: u.token },
    );
    expect(year.body.items).toHaveLength(366);
  });

  it('refuses bad ranges and parameters, and callers without credentials', async () => {
    const u = await h.newUser();
    for (const q of [
      '?from=2025-11-27&to=2026-11-28',
      '?from=2026-11-29&to=2026-11-28',
      '?from=2026-02-30',
      '?from=28.11.2026',
      '?to=',
      '?user_id=' + u.id,
    ]) {
      const res = await h.t.http.get(`/api/usage${q}`, { token: u.token });
      expect([q, res.status, res.body.code]).toEqual([
        q,
        400,
        'VALIDATION_FAILED',
      ]);
    }
    expect((await h.t.http.get('/api/usage')).status).toBe(401);
  });
});
