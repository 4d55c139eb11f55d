import { DatabaseService } from '../../src/database/database.service';
import { UsageService } from '../../src/modules/usage/usage.service';
import { eventually, sendMessage } from '../support/chat-stream';
import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../support/fake-openai-server';
import { startTestApp, type TestApp } from '../support/test-app';

const MAX_OUTPUT = 50;

/**
 * The same quota guarantees on embedded PGlite, which has one session and no
 * isolation: only single atomic statements keep them.
 */
describe('daily quotas (PGlite, over HTTP)', () => {
  let fake: FakeOpenAi;
  let t: TestApp;
  let admin: string;
  let reserve: jest.SpyInstance;
  const db = <T = Record<string, number>>(
    text: string,
    params: unknown[] = [],
  ) => t.app.get(DatabaseService).query<T>(text, params);

  async function newUser(messages: number | null, tokens: number | null) {
    const u = await t.register();
    const res = await t.http.patch(
      `/api/admin/users/${u.id}`,
      { max_ai_messages_per_day: messages, max_ai_tokens_per_day: tokens },
      { token: admin },
    );
    expect(res.status).toBe(200);
    return u;
  }
  async function newChat(token: string): Promise<string> {
    return (await t.http.post('/api/chats', {}, { token })).body.id;
  }
  async function counters(userId: string) {
    const [row] = await db(
      `SELECT sum(messages)::int AS messages, sum(held_messages)::int AS held_messages,
              sum(tokens)::int AS tokens, sum(held_tokens)::int AS held_tokens
       FROM usage_daily WHERE user_id = $1`,
      [userId],
    );
    return row;
  }
  async function charged(userId: string) {
    const [row] = await db(
      `SELECT count(*)::int AS messages, coalesce(sum(m.prompt_tokens + m.completion_tokens), 0)::int AS tokens
       FROM messages m JOIN chats c ON c.id = m.chat_id
       WHERE c.user_id = $1 AND m.role = 'assistant' AND m.prompt_tokens IS NOT NULL`,
      [userId],
    );
    return row;
  }

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    t = await startTestApp({
      embedded: true,
      env: {
        AI_PROVIDER: 'openai',
        AI_BASE_URL: fake.url,
        AI_TIMEOUT_MS: '30000',
        AI_MAX_OUTPUT_TOKENS: String(MAX_OUTPUT),
      },
    });
    reserve = jest.spyOn(t.app.get(UsageService), 'reserve');
    admin = await t.login();
    expect(
      (
        await t.http.patch(
          '/api/admin/settings',
          { max_concurrent_streams_per_user: 100 },
          { token: admin },
        )
      ).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.reset();
    fake.reply = Array.from({ length: 80 }, (_, i) => `w${i}`).join(' ');
  });

  it('admits exactly 5 of 30 concurrent sends with 5 messages left', async () => {
    const u = await newUser(5, null);
    const chat = await newChat(u.token);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        sendMessage(t.url, u.token, chat, { content: `at once ${i}` }),
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
    const quota = (await t.http.get('/api/chats/quota', { token: u.token }))
      .body;
    expect(quota.messages).toEqual({ used: 5, limit: 5, remaining: 0 });
  });

  it('never overspends a small token limit with 20 concurrent sends', async () => {
    const probe = await newUser(null, null);
    expect(
      (
        await sendMessage(t.url, probe.token, await newChat(probe.token), {
          content: 'hello',
        })
      ).status,
    ).toBe(200);
    const p: number = reserve.mock.calls.at(-1)[1];
    fake.reset();
    fake.reply = 'alpha beta gamma delta';

    const limit = 3 * (p + MAX_OUTPUT) + p + 20;
    const u = await newUser(null, limit);
    const chats: string[] = [];
    for (let i = 0; i < 20; i++) chats.push(await newChat(u.token));
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
          body: JSON.stringify({ content: 'hello' }),
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
    await eventually(async () => (await counters(u.id)).held_messages === 0);
    const after = await counters(u.id);
    expect(after).toEqual({
      messages: 4,
      held_messages: 0,
      tokens: (await charged(u.id)).tokens,
      held_tokens: 0,
    });
    expect(after.tokens).toBeLessThanOrEqual(limit);
  });

  it('keeps the counters equal to the charged messages', async () => {
    const users = await db<{ id: string }>('SELECT id FROM users');
    for (const { id } of users) {
      const c = await counters(id);
      expect({ id, messages: c.messages ?? 0, tokens: c.tokens ?? 0 }).toEqual({
        id,
        ...(await charged(id)),
      });
    }
  });
});
