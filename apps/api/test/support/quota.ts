import { Clock } from '../../src/modules/usage/clock';
import { expectAccountingBalanced } from './accounting';
import { HoldsService } from '../../src/modules/usage/holds.service';
import {
  eventually,
  sendMessage,
  type SendOptions,
  type SendResult,
} from './chat-stream';
import type { FakeOpenAi } from './fake-openai-server';
import { startWithFakeAi } from './fake-ai-app';
import { Http } from './http';
import type { TestApp } from './test-app';

/** AI_MAX_OUTPUT_TOKENS of the quota specs. */
export const MAX_OUTPUT = 50;
/** The fixed clock: 2026-11-28 12:49:47 UTC, 40213 s before the next UTC day. */
export const NOW = Date.parse('2026-11-28T12:49:47.000Z');
export const DAY = '2026-11-28';
export const SECONDS_TO_RESET = 40213;
/**
 * An answer of 80 words of one token each (o200k_base): longer than any
 * output cap, so the cap decides its length, and a fake's words are the
 * API's tokens.
 */
export const LONG_REPLY = Array.from({ length: 80 }, () => 'word').join(' ');

export interface QuotaUser {
  token: string;
  id: string;
  email: string;
}

export interface Counters {
  messages: number;
  held_messages: number;
  tokens: number;
  held_tokens: number;
}

/**
 * The API on PostgreSQL or PGlite with a fake OpenAI-compatible provider,
 * the clock fixed at NOW, `reserve` spied on and 100 answers allowed at once,
 * and the calls the quota specs make.
 */
export interface QuotaHarness {
  t: TestApp;
  fake: FakeOpenAi;
  admin: string;
  reserve: jest.SpyInstance;
  /** A registered user with these own limits (null: the default). */
  newUser(messages?: number | null, tokens?: number | null): Promise<QuotaUser>;
  setLimits(
    id: string,
    messages: number | null,
    tokens: number | null,
  ): Promise<void>;
  setting(values: Record<string, unknown>): Promise<void>;
  send(
    u: { token: string },
    chatId: string,
    content?: string,
    opts?: SendOptions,
    url?: string,
  ): Promise<SendResult>;
  /** The estimated prompt tokens of the last reservation. */
  lastEstimate(): number;
  /** The user's counters for `day`, or null without a row. */
  counters(userId: string, day?: string): Promise<Counters | null>;
  /** Charged assistant messages: what the counters must agree with. */
  charged(userId: string): Promise<{ messages: number; tokens: number }>;
  storedMessages(userId: string): Promise<number>;
  close(): Promise<void>;
}

export async function startQuotaHarness(
  opts: { embedded?: boolean; env?: Record<string, string> } = {},
): Promise<QuotaHarness> {
  const { t, fake, close } = await startWithFakeAi({
    embedded: opts.embedded,
    env: {
      AI_TIMEOUT_MS: '30000',
      AI_MAX_OUTPUT_TOKENS: String(MAX_OUTPUT),
      ...opts.env,
    },
  });
  t.app.get(Clock).now = () => NOW;
  const reserve = jest.spyOn(t.app.get(HoldsService), 'reserve');
  const admin = await t.login();
  const h: QuotaHarness = {
    t,
    fake,
    admin,
    reserve,
    async newUser(messages = null, tokens = null) {
      const u = await t.register();
      await h.setLimits(u.id, messages, tokens);
      return u;
    },
    async setLimits(id, messages, tokens) {
      const res = await t.http.patch(
        `/api/admin/users/${id}`,
        { max_ai_messages_per_day: messages, max_ai_tokens_per_day: tokens },
        { token: admin },
      );
      expect(res.status).toBe(200);
    },
    async setting(values) {
      expect(
        (await t.http.patch('/api/admin/settings', values, { token: admin }))
          .status,
      ).toBe(200);
    },
    send: (u, chatId, content = 'hello there', sendOpts = {}, url = t.url) =>
      sendMessage(url, u.token, chatId, { content }, sendOpts),
    lastEstimate: () => reserve.mock.calls.at(-1)[0].promptTokens,
    async counters(userId, day = DAY) {
      const [row] = await t.query<Counters>(
        `SELECT messages::int AS messages, held_messages::int AS held_messages,
                tokens::int AS tokens, held_tokens::int AS held_tokens
         FROM usage_counters WHERE scope = 'u:' || $1 || ':day:*' AND period_start = $2::date`,
        [userId, day],
      );
      return row ?? null;
    },
    async charged(userId) {
      const [row] = await t.query<{ messages: number; tokens: number }>(
        `SELECT count(*)::int AS messages, coalesce(sum(m.prompt_tokens + m.completion_tokens), 0)::int AS tokens
         FROM messages m JOIN chats c ON c.id = m.chat_id
         WHERE c.user_id = $1 AND m.role = 'assistant' AND m.prompt_tokens IS NOT NULL`,
        [userId],
      );
      return row;
    },
    async storedMessages(userId) {
      const [{ n }] = await t.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.user_id = $1',
        [userId],
      );
      return n;
    },
    close,
  };
  await h.setting({ max_concurrent_streams_per_user: 100 });
  return h;
}

/**
 * `sends` concurrent sends of a user with `limit - sentBefore` messages left,
 * through the API processes at `urls` in turn, admit exactly what is left;
 * the rest are refused with QUOTA_MESSAGES_EXCEEDED before anything is stored
 * or sent upstream, and every process then reports the quota used up.
 */
export async function expectOnlyTheMessagesLeftAdmitted(
  h: QuotaHarness,
  o: { limit: number; sentBefore?: number; sends?: number; urls?: string[] },
): Promise<void> {
  const { limit, sentBefore = 0, sends = 30, urls = [h.t.url] } = o;
  const u = await h.newUser(limit);
  const chat = await h.t.newChat(u.token);
  for (let i = 0; i < sentBefore; i++)
    expect((await h.send(u, chat)).status).toBe(200);
  const results = await Promise.all(
    Array.from({ length: sends }, (_, i) =>
      h.send(u, chat, `at once ${i}`, {}, urls[i % urls.length]),
    ),
  );
  const left = limit - sentBefore;
  expect(results.filter((r) => r.status === 200)).toHaveLength(left);
  expect(
    results.filter((r) => r.status === 429).map((r) => r.body.code),
  ).toEqual(Array(sends - left).fill('QUOTA_MESSAGES_EXCEEDED'));
  expect(h.fake.requests).toHaveLength(limit);
  expect(await h.counters(u.id)).toMatchObject({
    messages: limit,
    held_messages: 0,
    held_tokens: 0,
  });
  expect(await h.storedMessages(u.id)).toBe(2 * limit);
  for (const url of urls) {
    const quota = await new Http(url).get('/api/chats/quota', {
      token: u.token,
    });
    expect([url, quota.body.messages]).toEqual([
      url,
      { used: limit, limit, remaining: 0 },
    ]);
  }
}

/**
 * 20 concurrent sends against a token limit with room for three full answers
 * and one of 20 tokens: exactly four are admitted, with those output caps,
 * while the admitted answers hold their tokens; once their clients leave,
 * what they used is charged and never more than the limit.
 */
export async function expectSmallTokenLimitNeverOverspent(
  h: QuotaHarness,
): Promise<void> {
  const { t, fake } = h;
  const probe = await h.newUser();
  expect((await h.send(probe, await t.newChat(probe.token))).status).toBe(200);
  const p = h.lastEstimate();
  fake.reset();
  fake.reply = LONG_REPLY;

  const limit = 3 * (p + MAX_OUTPUT) + p + 20;
  const u = await h.newUser(null, limit);
  const chats: string[] = [];
  for (let i = 0; i < 20; i++) chats.push(await t.newChat(u.token));
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
  expect(await h.counters(u.id)).toEqual({
    messages: 0,
    held_messages: 4,
    tokens: 0,
    held_tokens: limit,
  });

  for (const [, i] of admitted) clients[i].abort();
  await eventually(async () => (await h.counters(u.id))?.held_messages === 0);
  const settled = await h.counters(u.id);
  expect(settled).toEqual({
    messages: 4,
    held_messages: 0,
    tokens: (await h.charged(u.id)).tokens,
    held_tokens: 0,
  });
  expect(settled?.tokens).toBeLessThanOrEqual(limit);
  const rows = await t.query(
    `SELECT m.status, m.prompt_tokens FROM messages m JOIN chats c ON c.id = m.chat_id
     WHERE c.user_id = $1 AND m.role = 'assistant'`,
    [u.id],
  );
  expect(rows).toEqual(
    Array(4).fill({ status: 'cancelled', prompt_tokens: p }),
  );
}

/**
 * Every user's counters, over all days, equal what their stored answers
 * were charged, with nothing held (the accounting invariant). Returns how
 * many users used anything.
 */
export async function expectCountersEqualCharged(
  h: QuotaHarness,
): Promise<number> {
  const rows = await expectAccountingBalanced((text, params) =>
    h.t.query(text, params),
  );
  return rows.filter((r) => r.messages > 0).length;
}
