import { Clock } from '../../src/modules/usage/clock';
import { UsageService } from '../../src/modules/usage/usage.service';
import {
  eventually,
  sendMessage,
  type SendResult,
} from '../support/chat-stream';
import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../support/fake-openai-server';
import { sql } from '../support/test-db';
import { startTestApp, type TestApp } from '../support/test-app';

const MAX_OUTPUT = 50;
/** 2026-11-28 12:49:47 UTC: 40213 s before the next UTC day. */
const NOW = Date.parse('2026-11-28T12:49:47.000Z');
const DAY = '2026-11-28';
const T = 40213;
const LONG_REPLY = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');

/**
 * Daily quotas through the API on PostgreSQL: sends over real HTTP against
 * a fake OpenAI-compatible server, with the clock fixed.
 */
describe('daily quotas (PostgreSQL, over HTTP)', () => {
  let fake: FakeOpenAi;
  let t: TestApp;
  let admin: string;
  let reserve: jest.SpyInstance;
  const env = {
    AI_PROVIDER: 'openai',
    AI_API_KEY: 'sk-test',
    AI_TIMEOUT_MS: '30000',
    AI_MAX_OUTPUT_TOKENS: String(MAX_OUTPUT),
    QUOTA_HOLD_HEARTBEAT_SECONDS: '1',
  };

  const db = (text: string, params: unknown[] = []) =>
    sql(t.db?.url ?? '', text, params);

  async function newUser(
    messages: number | null = null,
    tokens: number | null = null,
  ) {
    const u = await t.register();
    await setLimits(u.id, messages, tokens);
    return u;
  }
  async function setLimits(
    id: string,
    messages: number | null,
    tokens: number | null,
  ) {
    const res = await t.http.patch(
      `/api/admin/users/${id}`,
      { max_ai_messages_per_day: messages, max_ai_tokens_per_day: tokens },
      { token: admin },
    );
    expect(res.status).toBe(200);
  }
  async function setting(values: Record<string, unknown>) {
    expect(
      (await t.http.patch('/api/admin/settings', values, { token: admin }))
        .status,
    ).toBe(200);
  }
  async function newChat(token: string): Promise<string> {
    const res = await t.http.post('/api/chats', {}, { token });
    expect(res.status).toBe(201);
    return res.body.id;
  }
  const send = (
    u: { token: string },
    chatId: string,
    content = 'hello there',
    opts = {},
    url = t.url,
  ) => sendMessage(url, u.token, chatId, { content }, opts);
  async function counters(userId: string, day = DAY) {
    const [row] = await db(
      `SELECT messages, held_messages, tokens::int AS tokens, held_tokens::int AS held_tokens
       FROM usage_daily WHERE user_id = $1 AND day = $2`,
      [userId, day],
    );
    return row ?? null;
  }
  async function storedMessages(userId: string): Promise<number> {
    const [{ n }] = await db(
      'SELECT count(*)::int AS n FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.user_id = $1',
      [userId],
    );
    return n;
  }
  /** Charged assistant messages: what the counters must agree with. */
  async function charged(userId: string) {
    const [row] = await db(
      `SELECT count(*)::int AS messages, coalesce(sum(m.prompt_tokens + m.completion_tokens), 0)::int AS tokens
       FROM messages m JOIN chats c ON c.id = m.chat_id
       WHERE c.user_id = $1 AND m.role = 'assistant' AND m.prompt_tokens IS NOT NULL`,
      [userId],
    );
    return row;
  }
  const lastEstimate = (): number => reserve.mock.calls.at(-1)[1];
  const doneQuota = (r: SendResult) =>
    r.events.find((e) => e.event === 'done')?.data.quota;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    t = await startTestApp({ env: { ...env, AI_BASE_URL: fake.url } });
    t.app.get(Clock).now = () => NOW;
    reserve = jest.spyOn(t.app.get(UsageService), 'reserve');
    admin = await t.login();
    await setting({ max_concurrent_streams_per_user: 100 });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.reset();
    fake.reply = LONG_REPLY;
  });

  it('at the limit: 429 with the code, the quota and the headers, and nothing stored or sent upstream', async () => {
    const u = await newUser(2);
    const chat = await newChat(u.token);
    fake.usage = { prompt_tokens: 30, completion_tokens: 20 };

    const first = await send(u, chat);
    expect(first.status).toBe(200);
    const held = lastEstimate() + MAX_OUTPUT;
    expect(first.headers.get('ratelimit-policy')).toBe(
      '"daily-messages";q=2;w=86400, "daily-tokens";q=500000;w=86400',
    );
    expect(first.headers.get('ratelimit')).toBe(
      `"daily-messages";r=1;t=${T}, "daily-tokens";r=${500000 - held};t=${T}`,
    );
    expect(doneQuota(first)).toEqual({
      messages: { used: 1, limit: 2, remaining: 1 },
      tokens: { used: 50, limit: 500000, remaining: 499950 },
      resets_at: '2026-11-29T00:00:00.000Z',
      timezone: 'UTC',
    });
    expect(
      (await send(u, chat, 'again', { query: '?stream=false' })).body.quota
        .messages,
    ).toEqual({
      used: 2,
      limit: 2,
      remaining: 0,
    });
    const rows = await storedMessages(u.id);
    expect(rows).toBe(4);

    const refused = await send(u, chat, 'one too many');
    expect(refused.status).toBe(429);
    expect(refused.contentType).toContain('application/json');
    const quota = {
      messages: { used: 2, limit: 2, remaining: 0 },
      tokens: { used: 100, limit: 500000, remaining: 499900 },
      resets_at: '2026-11-29T00:00:00.000Z',
      timezone: 'UTC',
    };
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'QUOTA_MESSAGES_EXCEEDED',
      message: expect.stringContaining('message limit'),
      quota,
    });
    expect(refused.headers.get('retry-after')).toBe(String(T));
    expect(refused.headers.get('ratelimit-policy')).toBe(
      '"daily-messages";q=2;w=86400, "daily-tokens";q=500000;w=86400',
    );
    expect(refused.headers.get('ratelimit')).toBe(
      `"daily-messages";r=0;t=${T}, "daily-tokens";r=499900;t=${T}`,
    );
    expect(await storedMessages(u.id)).toBe(rows);
    expect(fake.requests).toHaveLength(2);
    expect(await counters(u.id)).toEqual({
      messages: 2,
      held_messages: 0,
      tokens: 100,
      held_tokens: 0,
    });

    const read = await t.http.get('/api/chats/quota', { token: u.token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(quota);
    expect(read.headers.get('ratelimit')).toBe(
      `"daily-messages";r=0;t=${T}, "daily-tokens";r=499900;t=${T}`,
    );
    expect(read.headers.get('ratelimit-policy')).toBe(
      refused.headers.get('ratelimit-policy'),
    );
  });

  it('takes the override over the default, the default again when null, follows the setting; 0 blocks', async () => {
    await setting({ default_max_ai_messages_per_day: 3 });
    try {
      const a = await newUser(1);
      const b = await newUser();
      const chatA = await newChat(a.token);
      const chatB = await newChat(b.token);
      const limitOf = async (u: { token: string }) =>
        (await t.http.get('/api/chats/quota', { token: u.token })).body
          .messages;

      expect(await limitOf(a)).toEqual({ used: 0, limit: 1, remaining: 1 });
      expect(await limitOf(b)).toEqual({ used: 0, limit: 3, remaining: 3 });
      expect((await send(a, chatA)).status).toBe(200);
      expect((await send(a, chatA)).body.code).toBe('QUOTA_MESSAGES_EXCEEDED');

      await setLimits(a.id, null, null);
      expect(await limitOf(a)).toEqual({ used: 1, limit: 3, remaining: 2 });
      expect((await send(a, chatA)).status).toBe(200);

      await setting({ default_max_ai_messages_per_day: 2 });
      expect(await limitOf(b)).toEqual({ used: 0, limit: 2, remaining: 2 });
      const refused = await send(a, chatA);
      expect([refused.status, refused.body.code]).toEqual([
        429,
        'QUOTA_MESSAGES_EXCEEDED',
      ]);

      await setLimits(b.id, 0, null);
      const zero = await send(b, chatB);
      expect([zero.status, zero.body.code, zero.body.quota.messages]).toEqual([
        429,
        'QUOTA_MESSAGES_EXCEEDED',
        { used: 0, limit: 0, remaining: 0 },
      ]);
      await setLimits(b.id, null, 0);
      const noTokens = await send(b, chatB);
      expect([
        noTokens.status,
        noTokens.body.code,
        noTokens.body.quota.tokens,
      ]).toEqual([
        429,
        'QUOTA_TOKENS_EXCEEDED',
        { used: 0, limit: 0, remaining: 0 },
      ]);
      expect(await storedMessages(b.id)).toBe(0);
      expect(await counters(b.id)).toBeNull();
    } finally {
      await setting({ default_max_ai_messages_per_day: 100 });
    }
  });

  it('admits exactly 5 of 30 concurrent sends with 5 messages left', async () => {
    const u = await newUser(7);
    const chat = await newChat(u.token);
    for (let i = 0; i < 2; i++) expect((await send(u, chat)).status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => send(u, chat, `at once ${i}`)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(
      results.filter((r) => r.status === 429).map((r) => r.body.code),
    ).toEqual(Array(25).fill('QUOTA_MESSAGES_EXCEEDED'));
    expect(fake.requests).toHaveLength(7);
    expect(await counters(u.id)).toMatchObject({
      messages: 7,
      held_messages: 0,
      held_tokens: 0,
    });
    expect(await storedMessages(u.id)).toBe(14);
  });

  it('admits exactly 5 of 30 concurrent sends split across two API processes on one database', async () => {
    const second = await startTestApp({
      database: t.db ?? undefined,
      env: { ...env, AI_BASE_URL: fake.url },
    });
    try {
      second.app.get(Clock).now = () => NOW;
      const u = await newUser(5);
      const chat = await newChat(u.token);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          send(u, chat, `split ${i}`, {}, i % 2 ? second.url : t.url),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(5);
      expect(
        results.filter((r) => r.status === 429).map((r) => r.body.code),
      ).toEqual(Array(25).fill('QUOTA_MESSAGES_EXCEEDED'));
      expect(fake.requests).toHaveLength(5);
      expect(await counters(u.id)).toMatchObject({
        messages: 5,
        held_messages: 0,
        held_tokens: 0,
      });
      // Both processes see the same quota.
      const viaSecond = await second.http.get('/api/chats/quota', {
        token: u.token,
      });
      expect(viaSecond.body.messages).toEqual({
        used: 5,
        limit: 5,
        remaining: 0,
      });
    } finally {
      await second.close();
    }
  });

  it('caps the output at what is left, and refuses once the tokens are spent', async () => {
    const u = await newUser(null, 10_000);
    fake.usage = { prompt_tokens: 100, completion_tokens: 40 };
    expect((await send(u, await newChat(u.token))).status).toBe(200);
    const p = lastEstimate();
    expect(fake.requests[0].body.max_tokens).toBe(MAX_OUTPUT);
    expect(await counters(u.id)).toMatchObject({ tokens: 140, held_tokens: 0 });

    // p + 7 left: the same prompt in a new chat may answer 7 tokens.
    const limit = 140 + p + 7;
    await setLimits(u.id, null, limit);
    fake.usage = { prompt_tokens: p, completion_tokens: 7 };
    const capped = await send(u, await newChat(u.token));
    expect(capped.status).toBe(200);
    expect(lastEstimate()).toBe(p);
    expect(fake.requests[1].body.max_tokens).toBe(7);
    expect(capped.events.filter((e) => e.event === 'delta')).toHaveLength(7);
    expect(doneQuota(capped).tokens).toEqual({
      used: limit,
      limit,
      remaining: 0,
    });

    const spent = await send(u, await newChat(u.token));
    expect([spent.status, spent.body.code, spent.body.quota.tokens]).toEqual([
      429,
      'QUOTA_TOKENS_EXCEEDED',
      { used: limit, limit, remaining: 0 },
    ]);
    // Exactly the prompt left is not enough; one more token is.
    await setLimits(u.id, null, limit + p);
    expect((await send(u, await newChat(u.token))).body.code).toBe(
      'QUOTA_TOKENS_EXCEEDED',
    );
    await setLimits(u.id, null, limit + p + 1);
    fake.usage = { prompt_tokens: p, completion_tokens: 1 };
    expect((await send(u, await newChat(u.token))).status).toBe(200);
    expect(fake.requests.map((r) => r.body.max_tokens)).toEqual([
      MAX_OUTPUT,
      7,
      1,
    ]);
    expect(await counters(u.id)).toEqual({
      messages: 3,
      held_messages: 0,
      tokens: limit + p + 1,
      held_tokens: 0,
    });
  });

  it('never overspends a small token limit with 20 concurrent sends', async () => {
    const probe = await newUser();
    expect((await send(probe, await newChat(probe.token))).status).toBe(200);
    const p = lastEstimate();
    fake.reset();
    fake.reply = LONG_REPLY;

    // Room for three full answers and one of 20 tokens, then nothing.
    const limit = 3 * (p + MAX_OUTPUT) + p + 20;
    const u = await newUser(null, limit);
    const chats = [];
    for (let i = 0; i < 20; i++) chats.push(await newChat(u.token));
    // Admitted answers stall after their first word until the client leaves,
    // so all 20 sends are decided while the admitted ones still hold their tokens.
    fake.setMode('stall');
    const clients = chats.map(() => new AbortController());
    const responses = await Promise.all(
      chats.map((chat, i) =>
        fetch(`${t.url}/api/chats/${chat}/messages`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${u.token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ content: 'hello there' }),
          signal: clients[i].signal,
        }),
      ),
    );
    const admitted = responses
      .map((r, i) => [r.status, i] as const)
      .filter(([s]) => s === 200);
    expect(admitted).toHaveLength(4);
    const refusals = await Promise.all(
      responses.filter((r) => r.status === 429).map((r) => r.json()),
    );
    expect(refusals.map((b) => b.code)).toEqual(
      Array(16).fill('QUOTA_TOKENS_EXCEEDED'),
    );
    expect(
      fake.requests
        .map((r) => r.body.max_tokens)
        .sort((a, b) => (a ?? 0) - (b ?? 0)),
    ).toEqual([20, 50, 50, 50]);
    expect(await counters(u.id)).toEqual({
      messages: 0,
      held_messages: 4,
      tokens: 0,
      held_tokens: limit,
    });

    for (const [, i] of admitted) clients[i].abort();
    await eventually(async () => (await counters(u.id))?.held_messages === 0);
    const settled = await counters(u.id);
    expect(settled).toEqual({
      messages: 4,
      held_messages: 0,
      tokens: (await charged(u.id)).tokens,
      held_tokens: 0,
    });
    expect(settled.tokens).toBeLessThanOrEqual(limit);
    const rows = await db(
      `SELECT m.status, m.prompt_tokens FROM messages m JOIN chats c ON c.id = m.chat_id
       WHERE c.user_id = $1 AND m.role = 'assistant'`,
      [u.id],
    );
    expect(rows).toEqual(
      Array(4).fill({ status: 'cancelled', prompt_tokens: p }),
    );
  });

  it('settles a client that went away to what was used, and a provider failure before any text to nothing', async () => {
    const u = await newUser(10);
    const chat = await newChat(u.token);
    fake.setMode('slow');
    fake.delayMs = 20;
    const gone = await send(u, chat, 'tell me a long story', {
      abortAfterDeltas: 2,
    });
    expect(gone.aborted).toBe(true);
    await fake.waitFor(() => fake.aborted === 1);
    await eventually(async () => (await counters(u.id))?.held_messages === 0);
    const afterCancel = await charged(u.id);
    expect(afterCancel.messages).toBe(1);
    expect(afterCancel.tokens).toBeGreaterThan(0);
    expect(await counters(u.id)).toEqual({
      messages: 1,
      held_messages: 0,
      ...{ tokens: afterCancel.tokens },
      held_tokens: 0,
    });

    fake.setMode('fail');
    const failed = await send(u, chat, 'this fails');
    expect(failed.status).toBe(502);
    expect(await counters(u.id)).toEqual({
      messages: 1,
      held_messages: 0,
      tokens: afterCancel.tokens,
      held_tokens: 0,
    });
    expect(
      (await t.http.get('/api/chats/quota', { token: u.token })).body.messages,
    ).toEqual({
      used: 1,
      limit: 10,
      remaining: 9,
    });

    fake.setMode('fail-mid-stream');
    const cut = await send(u, chat, 'this breaks');
    expect(cut.status).toBe(200);
    expect(cut.events.at(-1)?.event).toBe('error');
    const afterCut = await charged(u.id);
    expect(afterCut.messages).toBe(2);
    expect(await counters(u.id)).toEqual({
      messages: 2,
      held_messages: 0,
      tokens: afterCut.tokens,
      held_tokens: 0,
    });
    const statuses = await db(
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
    const u = await newUser(1);
    const chat = await newChat(u.token);
    // A process admitted a send, then died without settling it.
    await db(
      `INSERT INTO usage_daily (user_id, day, held_messages, held_tokens) VALUES ($1, $2, 1, 500)`,
      [u.id, DAY],
    );
    const [{ id }] = await db(
      `INSERT INTO usage_holds (user_id, day, messages, tokens, expires_at)
       VALUES ($1, $2, 1, 500, now() + interval '1 hour') RETURNING id`,
      [u.id, DAY],
    );
    const blocked = await send(u, chat);
    expect([blocked.status, blocked.body.code]).toEqual([
      429,
      'QUOTA_MESSAGES_EXCEEDED',
    ]);
    expect(blocked.body.quota.tokens.remaining).toBe(500000 - 500);

    // Its TTL passes; the heartbeat of a live process releases it.
    await db(
      `UPDATE usage_holds SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    await eventually(
      async () => (await counters(u.id))?.held_messages === 0,
      5000,
    );
    const quota = (await t.http.get('/api/chats/quota', { token: u.token }))
      .body;
    expect(quota.messages).toEqual({ used: 0, limit: 1, remaining: 1 });
    expect(quota.tokens).toEqual({ used: 0, limit: 500000, remaining: 500000 });
    expect((await send(u, chat)).status).toBe(200);
    expect(
      await db(
        'SELECT released_at IS NOT NULL AS released FROM usage_holds WHERE id = $1',
        [id],
      ),
    ).toEqual([{ released: true }]);
  });

  describe('days in quota_timezone, with the clock set', () => {
    const clock = () => t.app.get(Clock);
    afterEach(async () => {
      clock().now = () => NOW;
      await setting({ quota_timezone: 'UTC' });
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
      await setting({ quota_timezone: zone });
      clock().now = () => Date.parse(now);
      const u = await newUser(4, 1000);
      const res = await t.http.get('/api/chats/quota', { token: u.token });
      expect(res.body).toEqual({
        messages: { used: 0, limit: 4, remaining: 4 },
        tokens: { used: 0, limit: 1000, remaining: 1000 },
        resets_at: resetsAt,
        timezone: zone,
      });
      expect(res.headers.get('ratelimit')).toBe(
        `"daily-messages";r=4;t=${t1}, "daily-tokens";r=1000;t=${t1}`,
      );
    });

    it('charges the day in the zone and starts afresh when the next one begins', async () => {
      await setting({ quota_timezone: 'America/New_York' });
      const u = await newUser(1);
      const chat = await newChat(u.token);
      fake.usage = { prompt_tokens: 10, completion_tokens: 5 };
      // 23:30 EDT on 2026-03-08, the 23-hour day.
      clock().now = () => Date.parse('2026-03-09T03:30:00.000Z');
      expect((await send(u, chat)).status).toBe(200);
      const refused = await send(u, chat);
      expect(refused.headers.get('retry-after')).toBe('1800');
      expect(refused.body.quota.resets_at).toBe('2026-03-09T04:00:00.000Z');
      clock().now = () => Date.parse('2026-03-09T04:00:00.000Z');
      expect((await send(u, chat)).status).toBe(200);
      expect(
        await db(
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
    const users = await db(`SELECT id FROM users`);
    let checked = 0;
    for (const { id } of users) {
      const [counted] = await db(
        `SELECT coalesce(sum(messages), 0)::int AS messages, coalesce(sum(tokens), 0)::int AS tokens,
                coalesce(sum(held_messages), 0)::int AS held
         FROM usage_daily WHERE user_id = $1`,
        [id],
      );
      expect({ id, ...counted }).toEqual({
        id,
        ...(await charged(id)),
        held: 0,
      });
      if (counted.messages > 0) checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(8);

    const u = await newUser(3);
    const chat = await newChat(u.token);
    fake.usage = { prompt_tokens: 12, completion_tokens: 8 };
    expect((await send(u, chat)).status).toBe(200);
    const before = (await t.http.get('/api/chats/quota', { token: u.token }))
      .body;
    expect(before.messages.used).toBe(1);
    expect(
      (await t.http.delete(`/api/chats/${chat}`, { token: u.token })).status,
    ).toBe(204);
    expect(
      (await t.http.get('/api/chats/quota', { token: u.token })).body,
    ).toEqual(before);
    expect(await counters(u.id)).toEqual({
      messages: 1,
      held_messages: 0,
      tokens: 20,
      held_tokens: 0,
    });
  });
});
