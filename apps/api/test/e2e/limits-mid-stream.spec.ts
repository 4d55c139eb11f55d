import { expectAccountingBalanced } from '../support/accounting';
import { limitsApi } from '../support/admin-limits';
import {
  LONG_REPLY,
  MAX_OUTPUT,
  type QuotaHarness,
  type QuotaUser,
  startQuotaHarness,
} from '../support/quota';

/**
 * Limits that start to apply while an answer is already streaming: a pool
 * (a group's shared limit) created mid-answer, and a user put into a group
 * with a pool mid-answer. What an answer holds and charges is fixed when it
 * is admitted: its settle charges what it used to the counters it was
 * admitted under, and leaves a pool it never held alone, so no counter goes
 * past its limit; sends admitted after the change are decided by the pool.
 */
describe('limits created while an answer streams (PostgreSQL)', () => {
  let h: QuotaHarness;

  beforeAll(async () => {
    h = await startQuotaHarness();
  }, 180_000);
  afterAll(() => h?.close());
  beforeEach(() => {
    h.fake.reset();
    h.fake.reply = LONG_REPLY;
  });

  /** A daily limit shared by the group's members (a pool); its id. */
  const dailyPool = (
    api: ReturnType<typeof limitsApi>,
    group: string,
    metric: 'messages' | 'tokens',
    amount: number,
  ) =>
    api.limit({
      subject: 'group',
      subject_id: group,
      metric,
      window: 'day',
      shared: true,
      amount,
    });

  /** A streamed send held open at the fake until `release()`. */
  const heldSend = async (u: QuotaUser, chat: string) => {
    h.fake.setMode('slow');
    h.fake.delayMs = 5;
    h.fake.held = true;
    const before = h.fake.requests.length;
    const result = h.send(u, chat, 'a long story please');
    await h.fake.waitFor(() => h.fake.requests.length === before + 1);
    return {
      async release() {
        h.fake.held = false;
        const res = await result;
        expect(res.status).toBe(200);
        expect(res.events.at(-1)?.event).toBe('done');
        return res.events.at(-1)?.data as {
          usage: { total_tokens: number };
        };
      },
    };
  };

  const quotaLimit = async (u: QuotaUser, id: string) => {
    const q = await h.t.http.get('/api/chats/quota', { token: u.token });
    expect(q.status).toBe(200);
    return q.body.limits.find((l: { id: string }) => l.id === id) as {
      used: number;
      limit: number;
      remaining: number;
    };
  };

  /** Every counter of the group's pools: none past its limit, nothing held. */
  const expectPoolsWithin = async (group: string) => {
    const rows = await h.t.query<{
      amount: number;
      metric: string;
      used: number;
      held: number;
    }>(
      `SELECT l.amount::int AS amount, l.metric,
              (CASE l.metric WHEN 'messages' THEN c.messages WHEN 'tokens' THEN c.tokens ELSE c.cost END)::int AS used,
              (c.held_messages + c.held_tokens + c.held_cost)::int AS held
       FROM limits l JOIN usage_counters c ON c.scope LIKE 'g:' || l.subject_id || ':%'
       WHERE l.subject = 'group' AND l.shared AND l.subject_id = $1`,
      [group],
    );
    for (const r of rows) {
      expect(r.used).toBeLessThanOrEqual(r.amount);
      expect(r.held).toBe(0);
    }
    const held = await h.t.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM usage_counters
       WHERE (held_messages, held_tokens, held_cost) <> (0, 0, 0)`,
    );
    expect(held[0].n).toBe(0);
  };

  it('a pool created mid-answer: the answer is charged to what it was admitted under, the pool stays within its limit and decides the next sends', async () => {
    const api = limitsApi(h);
    const u = await h.newUser();
    const group = await api.group('Pool comes later', [u]);
    const chat = await h.t.newChat(u.token);

    const first = await heldSend(u, chat);
    // Smaller than what the answer streaming now will use.
    const tokenPool = await dailyPool(api, group, 'tokens', 10);
    const messagePool = await dailyPool(api, group, 'messages', 1);
    const done = await first.release();
    expect(done.usage.total_tokens).toBeGreaterThan(10);

    // The user's own counters carry the answer, once.
    const mine = await h.counters(u.id);
    expect(mine).toEqual({
      messages: 1,
      held_messages: 0,
      tokens: done.usage.total_tokens,
      held_tokens: 0,
    });
    await expectAccountingBalanced(h.t.query, [u.id]);
    // The pools never held the answer: nothing of it lands there.
    expect((await quotaLimit(u, tokenPool)).used).toBe(0);
    expect((await quotaLimit(u, messagePool)).used).toBe(0);
    await expectPoolsWithin(group);

    // From now on the pools decide: the 10-token pool leaves too little for
    // this chat's prompt, so the next send is refused, and nothing is charged.
    h.fake.reset();
    h.fake.reply = LONG_REPLY;
    const refused = await api.send(u, chat);
    expect(refused.status).toBe(429);
    expect(refused.body.limit.id).toBe(tokenPool);
    expect(await h.counters(u.id)).toMatchObject({ messages: 1 });
    await expectPoolsWithin(group);
  });

  it('a send admitted under a pool created while another answer streams: each settle charges its own counters, the pool exactly its own send', async () => {
    const api = limitsApi(h);
    const u = await h.newUser();
    const group = await api.group('Pool mid-answer', [u]);
    const longChat = await h.t.newChat(u.token);
    const shortChat = await h.t.newChat(u.token);

    const first = await heldSend(u, longChat);
    const amount = 200;
    const tokenPool = await dailyPool(api, group, 'tokens', amount);
    // Admitted under the new pool while the first answer still streams.
    h.fake.held = false;
    h.fake.setMode('normal');
    const second = await api.send(u, shortChat);
    expect(second.status).toBe(200);
    const secondTokens = second.body.usage.total_tokens as number;
    expect(secondTokens).toBeGreaterThan(0);
    expect((await quotaLimit(u, tokenPool)).used).toBe(secondTokens);

    // The first answer ends now, long after the pool appeared.
    h.fake.setMode('slow');
    const done = await first.release();
    expect(done.usage.total_tokens).toBeGreaterThan(MAX_OUTPUT / 2);
    expect((await quotaLimit(u, tokenPool)).used).toBe(secondTokens);
    expect(await h.counters(u.id)).toMatchObject({
      messages: 2,
      tokens: secondTokens + done.usage.total_tokens,
      held_messages: 0,
      held_tokens: 0,
    });
    await expectAccountingBalanced(h.t.query, [u.id]);
    await expectPoolsWithin(group);
  });

  it('a member added to a pooled group mid-answer: the settle leaves the pool alone; the pool then counts the new member', async () => {
    const api = limitsApi(h);
    const mate = await h.newUser();
    const u = await h.newUser();
    const group = await api.group('Joined mid-answer', [mate]);
    const tokenPool = await dailyPool(api, group, 'tokens', 1000);
    const mateChat = await h.t.newChat(mate.token);
    const mateSend = await api.send(mate, mateChat);
    expect(mateSend.status).toBe(200);
    const mateTokens = mateSend.body.usage.total_tokens as number;

    const chat = await h.t.newChat(u.token);
    const first = await heldSend(u, chat);
    await api.join(group, u);
    const done = await first.release();

    expect((await quotaLimit(mate, tokenPool)).used).toBe(mateTokens);
    expect((await quotaLimit(u, tokenPool)).used).toBe(mateTokens);
    expect(await h.counters(u.id)).toMatchObject({
      messages: 1,
      tokens: done.usage.total_tokens,
    });
    await expectPoolsWithin(group);

    // A send after joining is the pool's, on both members' quota.
    h.fake.reset();
    h.fake.reply = LONG_REPLY;
    const next = await api.send(u, chat);
    expect(next.status).toBe(200);
    const nextTokens = next.body.usage.total_tokens as number;
    expect((await quotaLimit(mate, tokenPool)).used).toBe(
      mateTokens + nextTokens,
    );
    await expectAccountingBalanced(h.t.query, [u.id, mate.id]);
    await expectPoolsWithin(group);
  });
});
