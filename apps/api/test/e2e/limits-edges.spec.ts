import { expectAccountingBalanced } from '../support/accounting';
import { limitsApi } from '../support/admin-limits';
import { eventually } from '../support/chat-stream';
import { addGroup, addLimit } from '../support/limits';
import {
  LONG_REPLY,
  type QuotaHarness,
  startQuotaHarness,
} from '../support/quota';

const MODEL = 'gpt-4o-mini';

/**
 * The edges of the limits that no other spec reaches: the same limit
 * created by many requests at once, and an answer cut by its client while a
 * cost limit and two pools hold it.
 */
describe('limits: edges (PostgreSQL)', () => {
  let h: QuotaHarness;

  beforeAll(async () => {
    h = await startQuotaHarness();
  }, 120_000);
  afterAll(() => h?.close());
  beforeEach(() => {
    h.fake.reset();
    h.fake.reply = LONG_REPLY;
  });

  it('of ten requests creating the same limit at once, one creates it and nine get 409 LIMIT_EXISTS', async () => {
    const group = await limitsApi(h).group('At once');
    const body = {
      subject: 'group',
      subject_id: group,
      metric: 'tokens',
      window: 'month',
      shared: true,
      amount: 1000,
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.t.http.post('/api/admin/limits', body, { token: h.admin }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([
      201,
      ...Array(9).fill(409),
    ]);
    expect(
      results.filter((r) => r.status === 409).map((r) => r.body.code),
    ).toEqual(Array(9).fill('LIMIT_EXISTS'));
    const rows = await h.t.query<{ id: string }>(
      `SELECT id FROM limits WHERE subject = 'group' AND subject_id = $1`,
      [group],
    );
    expect(rows.map((r) => r.id)).toEqual([
      results.find((r) => r.status === 201)?.body.id,
    ]);
  });

  it('charges an answer its client cut, under a cost limit and two pools, what it used: once, on every counter', async () => {
    await h.setting({ quota_timezone: 'UTC' });
    const priced = await h.t.http.patch(
      `/api/admin/models/${MODEL}`,
      { input_price: 2, output_price: 3 },
      { token: h.admin },
    );
    expect(priced.status).toBe(200);
    try {
      const u = await h.newUser();
      const mate = await h.newUser();
      const group = await addGroup(h.t, 'Cut short', [u.id, mate.id]);
      const cost = await addLimit(h.t, {
        subject: 'user',
        subject_id: u.id,
        metric: 'cost',
        window: 'month',
        model: MODEL,
        amount: 1_000_000,
      });
      const tokenPool = await addLimit(h.t, {
        subject: 'group',
        subject_id: group,
        metric: 'tokens',
        window: 'week',
        shared: true,
        amount: 1_000_000,
      });
      const costPool = await addLimit(h.t, {
        subject: 'everyone',
        metric: 'cost',
        window: 'day',
        shared: true,
        amount: 1_000_000_000,
      });
      const chat = await h.t.newChat(u.token);

      h.fake.setMode('slow');
      h.fake.delayMs = 20;
      const gone = await h.send(u, chat, 'tell me a long story', {
        abortAfterDeltas: 3,
      });
      expect(gone.aborted).toBe(true);
      await h.fake.waitFor(() => h.fake.aborted === 1);
      await eventually(
        async () =>
          (
            await h.t.query('SELECT 1 FROM usage_holds WHERE user_id = $1', [
              u.id,
            ])
          ).length === 0,
      );

      // What the stored answer says it used and cost.
      const [answer] = await h.t.query<{
        status: string;
        tokens: number;
        cost: number;
      }>(
        `SELECT m.status, (m.prompt_tokens + m.completion_tokens)::int AS tokens, m.cost::int AS cost
         FROM messages m JOIN chats c ON c.id = m.chat_id
         WHERE c.user_id = $1 AND m.role = 'assistant'`,
        [u.id],
      );
      expect(answer.status).toBe('cancelled');
      expect(answer.tokens).toBeGreaterThan(0);
      expect(answer.cost).toBeGreaterThan(0);

      // Every limit that applies counts exactly that, and holds nothing.
      const q = (
        await h.t.http.get(`/api/chats/quota?model=${MODEL}`, {
          token: u.token,
        })
      ).body;
      const used = (id: string) =>
        q.limits.find((l: { id: string }) => l.id === id)?.used;
      expect([used(cost), used(tokenPool), used(costPool)]).toEqual([
        answer.cost,
        answer.tokens,
        answer.cost,
      ]);
      const held = await h.t.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM usage_counters
         WHERE (held_messages, held_tokens, held_cost) <> (0, 0, 0)`,
      );
      expect(held[0].n).toBe(0);
      // The mate's own counters are untouched; the pools are shared.
      const mateQuota = (
        await h.t.http.get(`/api/chats/quota?model=${MODEL}`, {
          token: mate.token,
        })
      ).body;
      expect(mateQuota.tokens.used).toBe(0);
      expect(
        mateQuota.limits.find((l: { id: string }) => l.id === tokenPool)?.used,
      ).toBe(answer.tokens);
      await expectAccountingBalanced(h.t.query, [u.id, mate.id]);
    } finally {
      await h.t.http.patch(
        `/api/admin/models/${MODEL}`,
        { input_price: 0, output_price: 0 },
        { token: h.admin },
      );
    }
  });
});
