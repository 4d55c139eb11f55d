import { HoldsService } from '../../src/modules/usage/holds.service';
import { Clock } from '../../src/modules/usage/clock';
import { eventually, type SendResult } from '../support/chat-stream';
import {
  expectCountersEqualCharged,
  expectOnlyTheMessagesLeftAdmitted,
  expectSmallTokenLimitNeverOverspent,
  LONG_REPLY,
  MAX_OUTPUT,
  NOW,
  type QuotaHarness,
  SECONDS_TO_RESET as T,
  startQuotaHarness,
} from '../support/quota';
import { startTestApp } from '../support/test-app';

/**
 * Daily quotas through the API on PostgreSQL: sends over real HTTP against
 * a fake OpenAI-compatible server, with the clock fixed.
 */
describe('daily quotas (PostgreSQL, over HTTP)', () => {
  let h: QuotaHarness;
  const env = { AI_API_KEY: 'sk-test', QUOTA_HOLD_HEARTBEAT_SECONDS: '1' };
  const doneQuota = (r: SendResult) =>
    r.events.find((e) => e.event === 'done')?.data.quota;

  beforeAll(async () => {
    h = await startQuotaHarness({ env });
  });
  afterAll(() => h?.close());
  beforeEach(() => {
    h.fake.reset();
    h.fake.reply = LONG_REPLY;
  });

  it('at the limit: 429 with the code, the quota and the headers, and nothing stored or sent upstream', async () => {
    const u = await h.newUser(2);
    const chat = await h.t.newChat(u.token);
    // Within the prompt estimate held (a provider reporting more is charged the estimate).
    h.fake.usage = { prompt_tokens: 5, completion_tokens: 20 };

    const first = await h.send(u, chat);
    expect(first.status).toBe(200);
    const held = h.lastEstimate() + MAX_OUTPUT;
    expect(first.headers.get('ratelimit-policy')).toBe(
      '"daily-messages";q=2;w=86400, "daily-tokens";q=500000;w=86400',
    );
    expect(first.headers.get('ratelimit')).toBe(
      `"daily-messages";r=1;t=${T}, "daily-tokens";r=${500000 - held};t=${T}`,
    );
    expect(doneQuota(first)).toEqual({
      messages: { used: 1, limit: 2, remaining: 1 },
      tokens: { used: 25, limit: 500000, remaining: 499975 },
      resets_at: '2026-11-29T00:00:00.000Z',
      timezone: 'UTC',
      model: 'gpt-4o-mini',
      limits: expect.any(Array),
    });
    expect(
      (await h.send(u, chat, 'again', { query: '?stream=false' })).body.quota
        .messages,
    ).toEqual({
      used: 2,
      limit: 2,
      remaining: 0,
    });
    const rows = await h.storedMessages(u.id);
    expect(rows).toBe(4);

    const refused = await h.send(u, chat, 'one too many');
    expect(refused.status).toBe(429);
    expect(refused.contentType).toContain('application/json');
    const quota = {
      messages: { used: 2, limit: 2, remaining: 0 },
      tokens: { used: 50, limit: 500000, remaining: 499950 },
      resets_at: '2026-11-29T00:00:00.000Z',
      timezone: 'UTC',
      model: 'gpt-4o-mini',
      limits: expect.any(Array),
    };
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'QUOTA_MESSAGES_EXCEEDED',
      message: expect.stringContaining('message limit'),
      quota,
      limit: expect.objectContaining({
        subject: 'user',
        subject_id: u.id,
        metric: 'messages',
        window: 'day',
        model: null,
        used: 2,
        limit: 2,
        remaining: 0,
      }),
    });
    expect(refused.headers.get('retry-after')).toBe(String(T));
    expect(refused.headers.get('ratelimit-policy')).toBe(
      '"daily-messages";q=2;w=86400, "daily-tokens";q=500000;w=86400',
    );
    expect(refused.headers.get('ratelimit')).toBe(
      `"daily-messages";r=0;t=${T}, "daily-tokens";r=499950;t=${T}`,
    );
    expect(await h.storedMessages(u.id)).toBe(rows);
    expect(h.fake.requests).toHaveLength(2);
    expect(await h.counters(u.id)).toEqual({
      messages: 2,
      held_messages: 0,
      tokens: 50,
      held_tokens: 0,
    });

    const read = await h.t.http.get('/api/chats/quota', { token: u.token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(quota);
    expect(read.headers.get('ratelimit')).toBe(
      `"daily-messages";r=0;t=${T}, "daily-tokens";r=499950;t=${T}`,
    );
    expect(read.headers.get('ratelimit-policy')).toBe(
      refused.headers.get('ratelimit-policy'),
    );
  });

  it('takes the override over the default, the default again when null, follows the setting; 0 blocks', async () => {
    await h.setting({ default_max_ai_messages_per_day: 3 });
    try {
      const a = await h.newUser(1);
      const b = await h.newUser();
      const chatA = await h.t.newChat(a.token);
      const chatB = await h.t.newChat(b.token);
      const limitOf = async (u: { token: string }) =>
        (await h.t.http.get('/api/chats/quota', { token: u.token })).body
          .messages;

      expect(await limitOf(a)).toEqual({ used: 0, limit: 1, remaining: 1 });
      expect(await limitOf(b)).toEqual({ used: 0, limit: 3, remaining: 3 });
      expect((await h.send(a, chatA)).status).toBe(200);
      expect((await h.send(a, chatA)).body.code).toBe(
        'QUOTA_MESSAGES_EXCEEDED',
      );

      await h.setLimits(a.id, null, null);
      expect(await limitOf(a)).toEqual({ used: 1, limit: 3, remaining: 2 });
      expect((await h.send(a, chatA)).status).toBe(200);

      await h.setting({ default_max_ai_messages_per_day: 2 });
      expect(await limitOf(b)).toEqual({ used: 0, limit: 2, remaining: 2 });
      const refused = await h.send(a, chatA);
      expect([refused.status, refused.body.code]).toEqual([
        429,
        'QUOTA_MESSAGES_EXCEEDED',
      ]);

      await h.setLimits(b.id, 0, null);
      const zero = await h.send(b, chatB);
      expect([zero.status, zero.body.code, zero.body.quota.messages]).toEqual([
        429,
        'QUOTA_MESSAGES_EXCEEDED',
        { used: 0, limit: 0, remaining: 0 },
      ]);
      await h.setLimits(b.id, null, 0);
      const noTokens = await h.send(b, chatB);
      expect([
        noTokens.status,
        noTokens.body.code,
        noTokens.body.quota.tokens,
      ]).toEqual([
        429,
        'QUOTA_TOKENS_EXCEEDED',
        { used: 0, limit: 0, remaining: 0 },
      ]);
      expect(await h.storedMessages(b.id)).toBe(0);
      expect(await h.counters(b.id)).toMatchObject({ messages: 0, tokens: 0 });
    } finally {
      await h.setting({ default_max_ai_messages_per_day: 100 });
    }
  });

  it('admits exactly 5 of 30 concurrent sends with 5 messages left', () =>
    expectOnlyTheMessagesLeftAdmitted(h, { limit: 7, sentBefore: 2 }));

  it('admits exactly 5 of 30 concurrent sends split across two API processes on one database', async () => {
    const second = await startTestApp({
      database: h.t.db ?? undefined,
      env: { ...env, AI_PROVIDER: 'openai', AI_BASE_URL: h.fake.url },
    });
    try {
      second.app.get(Clock).now = () => NOW;
      await expectOnlyTheMessagesLeftAdmitted(h, {
        limit: 5,
        urls: [h.t.url, second.url],
      });
    } finally {
      await second.close();
    }
  });

  it('caps the output at what is left, and refuses once the tokens are spent', async () => {
    const u = await h.newUser(null, 10_000);
    h.fake.usage = { prompt_tokens: 5, completion_tokens: 40 };
    expect((await h.send(u, await h.t.newChat(u.token))).status).toBe(200);
    const p = h.lastEstimate();
    expect(h.fake.requests[0].body.max_tokens).toBe(MAX_OUTPUT);
    expect(await h.counters(u.id)).toMatchObject({
      tokens: 45,
      held_tokens: 0,
    });

    // p + 7 left: the same prompt in a new chat may answer 7 tokens.
    const limit = 45 + p + 7;
    await h.setLimits(u.id, null, limit);
    h.fake.usage = { prompt_tokens: p, completion_tokens: 7 };
    const capped = await h.send(u, await h.t.newChat(u.token));
    expect(capped.status).toBe(200);
    expect(h.lastEstimate()).toBe(p);
    expect(h.fake.requests[1].body.max_tokens).toBe(7);
    expect(capped.events.filter((e) => e.event === 'delta')).toHaveLength(7);
    expect(doneQuota(capped).tokens).toEqual({
      used: limit,
      limit,
      remaining: 0,
    });

    const spent = await h.send(u, await h.t.newChat(u.token));
    expect([spent.status, spent.body.code, spent.body.quota.tokens]).toEqual([
      429,
      'QUOTA_TOKENS_EXCEEDED',
      { used: limit, limit, remaining: 0 },
    ]);
    // Exactly the prompt left is not enough; one more token is.
    await h.setLimits(u.id, null, limit + p);
    expect((await h.send(u, await h.t.newChat(u.token))).body.code).toBe(
      'QUOTA_TOKENS_EXCEEDED',
    );
    await h.setLimits(u.id, null, limit + p + 1);
    h.fake.usage = { prompt_tokens: p, completion_tokens: 1 };
    expect((await h.send(u, await h.t.newChat(u.token))).status).toBe(200);
    expect(h.fake.requests.map((r) => r.body.max_tokens)).toEqual([
      MAX_OUTPUT,
      7,
      1,
    ]);
    expect(await h.counters(u.id)).toEqual({
      messages: 3,
      held_messages: 0,
      tokens: limit + p + 1,
      held_tokens: 0,
    });
  });

  it('never overspends a small token limit with 20 concurrent sends', () =>
    expectSmallTokenLimitNeverOverspent(h));

  it('settles a client that went away to what was used, and a provider failure before any text to nothing', async () => {
    const u = await h.newUser(10);
    const chat = await h.t.newChat(u.token);
    h.fake.setMode('slow');
    h.fake.delayMs = 20;
    const gone = await h.send(u, chat, 'tell me a long story', {
      abortAfterDeltas: 2,
    });
    expect(gone.aborted).toBe(true);
    await h.fake.waitFor(() => h.fake.aborted === 1);
    await eventually(async () => (await h.counters(u.id))?.held_messages === 0);
    const afterCancel = await h.charged(u.id);
    expect(afterCancel.messages).toBe(1);
    expect(afterCancel.tokens).toBeGreaterThan(0);
    expect(await h.counters(u.id)).toEqual({
      messages: 1,
      held_messages: 0,
      ...{ tokens: afterCancel.tokens },
      held_tokens: 0,
    });

    h.fake.setMode('fail');
    const failed = await h.send(u, chat, 'this fails');
    expect(failed.status).toBe(502);
    expect(await h.counters(u.id)).toEqual({
      messages: 1,
      held_messages: 0,
      tokens: afterCancel.tokens,
      held_tokens: 0,
    });
    expect(
      (await h.t.http.get('/api/chats/quota', { token: u.token })).body
        .messages,
    ).toEqual({
      used: 1,
      limit: 10,
      remaining: 9,
    });

    h.fake.setMode('fail-mid-stream');
    const cut = await h.send(u, chat, 'this breaks');
    expect(cut.status).toBe(200);
    expect(cut.events.at(-1)?.event).toBe('error');
    const afterCut = await h.charged(u.id);
    expect(afterCut.messages).toBe(2);
    expect(await h.counters(u.id)).toEqual({
      messages: 2,
      held_messages: 0,
      tokens: afterCut.tokens,
      held_tokens: 0,
    });
    const statuses = await h.t.query(
      `SELECT m.status, m.prompt_tokens IS NULL AS free FROM messages m JOIN chats c ON c.id = m.chat_id
       WHERE c.user_id = $1 AND m.role = 'assistant' ORDER BY m.seq`,
      [u.id],
    );
    expect(statuses).toEqual([
      { status: 'cancelled', free: false },
      { status: 'error', free: true },
      { status: 'error', free: false },
    ]);
  });

  it("releases a dead process's hold once it expires", async () => {
    const u = await h.newUser(1);
    const chat = await h.t.newChat(u.token);
    // A process admitted a send (450 prompt tokens, a cap of 50), then died without settling it.
    const { holdId: id } = await h.t.app.get(HoldsService).reserve({
      userId: u.id,
      model: 'gpt-4o-mini',
      promptTokens: 450,
      maxOutputTokens: MAX_OUTPUT,
    });
    const blocked = await h.send(u, chat);
    expect([blocked.status, blocked.body.code]).toEqual([
      429,
      'QUOTA_MESSAGES_EXCEEDED',
    ]);
    expect(blocked.body.quota.tokens.remaining).toBe(500000 - 500);

    // Its TTL passes; the heartbeat of a live process releases it.
    await h.t.query(
      `UPDATE usage_holds SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    await eventually(
      async () => (await h.counters(u.id))?.held_messages === 0,
      5000,
    );
    const quota = (await h.t.http.get('/api/chats/quota', { token: u.token }))
      .body;
    expect(quota.messages).toEqual({ used: 0, limit: 1, remaining: 1 });
    expect(quota.tokens).toEqual({ used: 0, limit: 500000, remaining: 500000 });
    expect((await h.send(u, chat)).status).toBe(200);
    expect(
      await h.t.query(
        'SELECT released_at IS NOT NULL AS released FROM usage_holds WHERE id = $1',
        [id],
      ),
    ).toEqual([{ released: true }]);
  });

  describe('days in quota_timezone, with the clock set', () => {
    const clock = () => h.t.app.get(Clock);
    afterEach(async () => {
      clock().now = () => NOW;
      await h.setting({ quota_timezone: 'UTC' });
    });

    it.each([
      [
        'America/New_York',
        '2026-03-08T12:00:00.000Z',
        '2026-03-09T04:00:00.000Z',
        57600,
      ],
      [
        'America/New_York',
        '2026-11-01T12:00:00.000Z',
        '2026-11-02T05:00:00.000Z',
        61200,
      ],
      [
        'America/Santiago',
        '2026-09-05T20:00:00.000Z',
        '2026-09-06T04:00:00.000Z',
        28800,
      ],
      [
        'America/Santiago',
        '2026-09-06T04:00:00.000Z',
        '2026-09-07T03:00:00.000Z',
        82800,
      ],
      ['UTC', '2026-11-28T23:59:59.500Z', '2026-11-29T00:00:00.000Z', 1],
    ])('%s at %s resets at %s (t=%i)', async (zone, now, resetsAt, t1) => {
      await h.setting({ quota_timezone: zone });
      clock().now = () => Date.parse(now);
      const u = await h.newUser(4, 1000);
      const res = await h.t.http.get('/api/chats/quota', { token: u.token });
      expect(res.body).toEqual({
        messages: { used: 0, limit: 4, remaining: 4 },
        tokens: { used: 0, limit: 1000, remaining: 1000 },
        resets_at: resetsAt,
        timezone: zone,
        model: 'gpt-4o-mini',
        limits: expect.any(Array),
      });
      expect(res.headers.get('ratelimit')).toBe(
        `"daily-messages";r=4;t=${t1}, "daily-tokens";r=1000;t=${t1}`,
      );
    });

    it('charges the day in the zone and starts afresh when the next one begins', async () => {
      await h.setting({ quota_timezone: 'America/New_York' });
      const u = await h.newUser(1);
      const chat = await h.t.newChat(u.token);
      h.fake.usage = { prompt_tokens: 8, completion_tokens: 7 };
      // 23:30 EDT on 2026-03-08, the 23-hour day.
      clock().now = () => Date.parse('2026-03-09T03:30:00.000Z');
      expect((await h.send(u, chat)).status).toBe(200);
      const refused = await h.send(u, chat);
      expect(refused.headers.get('retry-after')).toBe('1800');
      expect(refused.body.quota.resets_at).toBe('2026-03-09T04:00:00.000Z');
      clock().now = () => Date.parse('2026-03-09T04:00:00.000Z');
      expect((await h.send(u, chat)).status).toBe(200);
      expect(
        await h.t.query(
          `SELECT to_char(day, 'YYYY-MM-DD') AS day, messages, tokens::int AS tokens FROM usage_daily WHERE user_id = $1 ORDER BY day`,
          [u.id],
        ),
      ).toEqual([
        { day: '2026-03-08', messages: 1, tokens: 15 },
        { day: '2026-03-09', messages: 1, tokens: 15 },
      ]);
    });
  });

  it('keeps the counters equal to the charged messages, and deleting chats gives nothing back', async () => {
    expect(await expectCountersEqualCharged(h)).toBeGreaterThanOrEqual(8);

    const u = await h.newUser(3);
    const chat = await h.t.newChat(u.token);
    h.fake.usage = { prompt_tokens: 5, completion_tokens: 15 };
    expect((await h.send(u, chat)).status).toBe(200);
    const before = (await h.t.http.get('/api/chats/quota', { token: u.token }))
      .body;
    expect(before.messages.used).toBe(1);
    expect(
      (await h.t.http.delete(`/api/chats/${chat}`, { token: u.token })).status,
    ).toBe(204);
    expect(
      (await h.t.http.get('/api/chats/quota', { token: u.token })).body,
    ).toEqual(before);
    expect(await h.counters(u.id)).toEqual({
      messages: 1,
      held_messages: 0,
      tokens: 20,
      held_tokens: 0,
    });
  });
});
