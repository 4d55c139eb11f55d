import { Clock } from '../../src/modules/usage/clock';
import { expectAccountingBalanced } from '../support/accounting';
import { addGroup, addLimit } from '../support/limits';
import {
  LONG_REPLY,
  MAX_OUTPUT,
  type QuotaHarness,
  type QuotaUser,
  startQuotaHarness,
} from '../support/quota';

const MODEL = 'gpt-4o-mini';
const at = (iso: string) => Date.parse(iso);

/**
 * Every limit that applies, checked and reserved in one step (issue 9):
 * day, week and month limits, a cost limit and a group's pool on one user,
 * each binding in turn under concurrent sends; and the windows of a zone
 * that is not UTC, across a week start, a month end and a DST change.
 */
describe('limits: every limit that applies, at once (PostgreSQL)', () => {
  let h: QuotaHarness;
  const clock = () => h.t.app.get(Clock);
  const setNow = (iso: string) => (clock().now = () => at(iso));

  beforeAll(async () => {
    h = await startQuotaHarness();
  }, 120_000);
  afterAll(() => h?.close());
  beforeEach(() => {
    h.fake.reset();
    h.fake.reply = LONG_REPLY;
  });

  /** `n` sends at once; the statuses, the refusals' limits and Retry-After. */
  async function burst(u: QuotaUser, chat: string, n: number) {
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        h.send(u, chat, `at once ${i}`, { query: '?stream=false' }),
      ),
    );
    const refused = results.filter((r) => r.status === 429);
    return {
      passed: results.filter((r) => r.status === 200).length,
      codes: [...new Set(refused.map((r) => r.body.code))],
      limits: [...new Set(refused.map((r) => r.body.limit?.id))],
      retryAfter: [
        ...new Set(refused.map((r) => r.headers.get('retry-after'))),
      ],
      other: results.filter((r) => r.status !== 200 && r.status !== 429),
    };
  }

  async function quota(u: QuotaUser) {
    return (
      await h.t.http.get(`/api/chats/quota?model=${MODEL}`, { token: u.token })
    ).body;
  }

  /** No limit of the user's quota is over: what was settled never passes the limit. */
  async function expectNoneOver(u: QuotaUser) {
    const q = await quota(u);
    for (const l of q.limits) {
      expect([l.id, l.used <= l.limit]).toEqual([l.id, true]);
    }
  }

  it('binds a day, a week, a month, a cost limit and a pool in turn, never overspending', async () => {
    await h.setting({ quota_timezone: 'UTC' });
    const u = await h.newUser();
    const mate = await h.newUser();
    const chat = await h.t.newChat(u.token);
    const mateChat = await h.t.newChat(mate.token);
    const day = await addLimit(h.t, {
      subject: 'user',
      subject_id: u.id,
      metric: 'messages',
      window: 'day',
      amount: 3,
    });
    const week = await addLimit(h.t, {
      subject: 'user',
      subject_id: u.id,
      metric: 'messages',
      window: 'week',
      amount: 5,
    });
    const month = await addLimit(h.t, {
      subject: 'user',
      subject_id: u.id,
      metric: 'messages',
      window: 'month',
      amount: 7,
    });
    const cost = await addLimit(h.t, {
      subject: 'user',
      subject_id: u.id,
      metric: 'cost',
      window: 'month',
      model: MODEL,
      amount: 100,
    });
    const group = await addGroup(h.t, 'Research', [u.id, mate.id]);
    const pool = await addLimit(h.t, {
      subject: 'group',
      subject_id: group,
      metric: 'messages',
      window: 'week',
      shared: true,
      amount: 4,
    });

    // Tuesday 1 December 2026: the day limit binds first (the pool of 4 a week is not reached: 3 < 4).
    setNow('2026-12-01T10:00:00.000Z');
    let b = await burst(u, chat, 10);
    expect(b).toMatchObject({
      passed: 3,
      codes: ['QUOTA_MESSAGES_EXCEEDED'],
      limits: [day],
      other: [],
    });
    expect(b.retryAfter).toEqual([String(14 * 3600)]);
    await expectNoneOver(u);

    // Wednesday: the pool (4 a week, 3 used) binds before the user's week (5); it resets on Monday.
    setNow('2026-12-02T12:00:00.000Z');
    b = await burst(u, chat, 10);
    expect(b).toMatchObject({
      passed: 1,
      codes: ['QUOTA_MESSAGES_EXCEEDED'],
      limits: [pool],
    });
    expect(b.retryAfter).toEqual([String(4 * 86400 + 12 * 3600)]);
    const refused = await h.send(u, chat, 'one more', {
      query: '?stream=false',
    });
    expect(refused.body.limit).toMatchObject({
      id: pool,
      subject: 'group',
      subject_id: group,
      subject_name: 'Research',
      shared: true,
      window: 'week',
      used: 4,
      limit: 4,
      remaining: 0,
      resets_at: '2026-12-07T00:00:00.000Z',
    });
    // The pool is shared: the other member is refused by it too.
    expect(
      (await h.send(mate, mateChat, 'me too', { query: '?stream=false' })).body
        .limit?.id,
    ).toBe(pool);

    // Monday 7 December: a new week for the pool and the user; the month (7, 4 used) binds after 3.
    setNow('2026-12-07T09:00:00.000Z');
    b = await burst(u, chat, 10);
    expect(b).toMatchObject({ passed: 3, codes: ['QUOTA_MESSAGES_EXCEEDED'] });
    // The day (3) and the month (7) both refuse now; the refusal names the one that resets last.
    expect(b.limits).toEqual([month]);
    expect(b.retryAfter).toEqual([String(24 * 86400 + 15 * 3600)]);
    await expectNoneOver(u);

    // January: a cost limit of 100 micro-dollars a month on this model, at $1 per million output tokens.
    const priced = await h.t.http.patch(
      `/api/admin/models/${MODEL}`,
      { input_price: 0, output_price: 1 },
      { token: h.admin },
    );
    expect(priced.status).toBe(200);
    setNow('2027-01-05T09:00:00.000Z');
    b = await burst(u, chat, 10);
    // Two answers of MAX_OUTPUT (50) tokens cost 50 each: the third cannot pay for one token.
    expect(MAX_OUTPUT).toBe(50);
    expect(b).toMatchObject({
      passed: 2,
      codes: ['QUOTA_COST_EXCEEDED'],
      limits: [cost],
    });
    expect(b.retryAfter).toEqual([String(26 * 86400 + 15 * 3600)]);
    const q = await quota(u);
    expect(q.limits.find((l: { id: string }) => l.id === cost)).toMatchObject({
      metric: 'cost',
      model: MODEL,
      used: 100,
      limit: 100,
      remaining: 0,
      resets_at: '2027-02-01T00:00:00.000Z',
    });
    // Another model is not held to it.
    expect(q.limits.map((l: { id: string }) => l.id)).toContain(cost);
    const other = (
      await h.t.http.get('/api/chats/quota?model=local', { token: u.token })
    ).body;
    expect(other.limits.map((l: { id: string }) => l.id)).not.toContain(cost);
    await expectNoneOver(u);

    // The RateLimit headers list every limit after the two daily ones.
    const res = await h.t.http.get(`/api/chats/quota?model=${MODEL}`, {
      token: u.token,
    });
    const policy = res.headers.get('ratelimit-policy') ?? '';
    expect(
      policy.startsWith(
        '"daily-messages";q=3;w=86400, "daily-tokens";q=500000;w=86400',
      ),
    ).toBe(true);
    for (const id of [week, month, cost, pool])
      expect(policy).toContain(`"${id}";`);
    expect(policy).toContain(`"${month}";q=7;w=2592000`);
    expect(policy).toContain(`"${pool}";q=4;w=604800`);

    await h.t.http.patch(
      `/api/admin/models/${MODEL}`,
      { output_price: 0 },
      { token: h.admin },
    );
    await expectAccountingBalanced(h.t.query, [u.id, mate.id]);
  });

  it('counts the windows of a zone that is not UTC across a week start, a month end and a DST change', async () => {
    await h.setting({ quota_timezone: 'America/New_York' });
    try {
      const u = await h.newUser();
      const chat = await h.t.newChat(u.token);
      const week = await addLimit(h.t, {
        subject: 'user',
        subject_id: u.id,
        metric: 'messages',
        window: 'week',
        amount: 2,
      });
      const month = await addLimit(h.t, {
        subject: 'user',
        subject_id: u.id,
        metric: 'tokens',
        window: 'month',
        amount: 100000,
      });
      const limitOf = async (id: string) =>
        (await quota(u)).limits.find((l: { id: string }) => l.id === id);

      // Wednesday 28 October 2026, EDT (UTC-4): the week ends on Monday 2 November at
      // 00:00 EST (UTC-5), after the DST change of 1 November; the month on 1 November, 00:00 EDT.
      setNow('2026-10-28T16:00:00.000Z');
      expect(await limitOf(week)).toMatchObject({
        resets_at: '2026-11-02T05:00:00.000Z',
      });
      expect(await limitOf(month)).toMatchObject({
        resets_at: '2026-11-01T04:00:00.000Z',
      });

      // Sunday 1 November, 23:30 EST: two sends fill the week; the third waits 30 minutes.
      setNow('2026-11-02T04:30:00.000Z');
      expect((await burst(u, chat, 4)).passed).toBe(2);
      const refused = await h.send(u, chat, 'late', { query: '?stream=false' });
      expect([
        refused.status,
        refused.body.limit?.id,
        refused.headers.get('retry-after'),
      ]).toEqual([429, week, '1800']);
      // The month of November started at 04:00 UTC on the 1st: both sends count in it.
      expect((await limitOf(month)).used).toBeGreaterThan(0);

      // Monday 00:00:01 EST: a new week.
      setNow('2026-11-02T05:00:01.000Z');
      expect(
        (await h.send(u, chat, 'new week', { query: '?stream=false' })).status,
      ).toBe(200);
      expect(await limitOf(week)).toMatchObject({
        used: 1,
        remaining: 1,
        resets_at: '2026-11-09T05:00:00.000Z',
      });

      // Monday 30 November 23:59 EST is still November; one minute later December begins.
      setNow('2026-12-01T04:59:00.000Z');
      const november = (await limitOf(month)).used;
      expect(november).toBeGreaterThan(0);
      expect(await limitOf(month)).toMatchObject({
        resets_at: '2026-12-01T05:00:00.000Z',
      });
      setNow('2026-12-01T05:00:00.000Z');
      expect(await limitOf(month)).toMatchObject({
        used: 0,
        resets_at: '2027-01-01T05:00:00.000Z',
      });
      await expectAccountingBalanced(h.t.query, [u.id]);
    } finally {
      await h.setting({ quota_timezone: 'UTC' });
      clock().now = () => Date.now();
    }
  });

  it("records each alert threshold a settle crosses once, with the limit and the user, in the settle's transaction", async () => {
    setNow('2026-12-01T10:00:00.000Z');
    const u = await h.newUser(2);
    const chat = await h.t.newChat(u.token);
    const mine = async () =>
      (
        await h.t.http.get('/api/admin/alerts?page_size=200', {
          token: h.admin,
        })
      ).body.items
        .filter(
          (a: { limit?: { subject_id?: string } }) =>
            a.limit?.subject_id === u.id,
        )
        .map(
          (a: {
            threshold: number;
            limit: { metric: string; used: number };
            user: { email: string };
          }) => [a.threshold, a.limit.metric, a.limit.used, a.user.email],
        );
    expect(
      (await h.send(u, chat, 'one', { query: '?stream=false' })).status,
    ).toBe(200);
    expect(await mine()).toEqual([]);
    // The second message reaches 80 % and 100 % of 2 at once.
    expect(
      (await h.send(u, chat, 'two', { query: '?stream=false' })).status,
    ).toBe(200);
    const crossed = await mine();
    expect(crossed.sort()).toEqual([
      [100, 'messages', 2, u.email],
      [80, 'messages', 2, u.email],
    ]);
    // A refused send settles nothing and records nothing more.
    expect(
      (await h.send(u, chat, 'three', { query: '?stream=false' })).status,
    ).toBe(429);
    expect(await mine()).toHaveLength(2);
  });
});
