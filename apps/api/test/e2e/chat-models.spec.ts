import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dollars } from '../../src/modules/admin/usage-csv';
import { TokenCounter } from '../../src/modules/ai/tokenizer';
import { costOf } from '../../src/modules/models/cost';
import { sendMessage } from '../support/chat-stream';
import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../support/fake-openai-server';
import { startTestApp, type TestApp } from '../support/test-app';

const tokens = new TokenCounter();
const LONG = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');

/** Two OpenAI-compatible providers on loopback as two connections, models priced on each. */
describe('chats on models of several connections (PostgreSQL)', () => {
  let t: TestApp;
  let one: FakeOpenAi;
  let two: FakeOpenAi;
  let admin: string;
  let deadPort: number;

  const adminPost = async (path: string, body: unknown) => {
    const res = await t.http.post(path, body, { token: admin });
    if (res.status !== 201)
      throw new Error(`${path}: ${res.status} ${res.text}`);
    return res.body;
  };

  beforeAll(async () => {
    [one, two] = await Promise.all([startFakeOpenAi(), startFakeOpenAi()]);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));

    t = await startTestApp();
    admin = await t.login();
    const c1 = await adminPost('/api/admin/connections', {
      name: 'One',
      base_url: one.url,
      api_key: 'sk-one-1111',
    });
    const c2 = await adminPost('/api/admin/connections', {
      name: 'Two',
      base_url: two.url,
      token_parameter: 'max_completion_tokens',
    });
    const dead = await adminPost('/api/admin/connections', {
      name: 'Dead',
      base_url: `http://127.0.0.1:${deadPort}/v1`,
    });
    await adminPost('/api/admin/models', {
      id: 'alpha',
      name: 'Alpha',
      connection_id: c1.id,
      upstream_model: 'upstream-alpha',
      input_price: 0.15,
      output_price: 0.6,
      max_output_tokens: 500,
    });
    await adminPost('/api/admin/models', {
      id: 'beta',
      name: 'Beta',
      connection_id: c2.id,
      upstream_model: 'upstream-beta',
      input_price: 2.5,
      output_price: 10,
      max_output_tokens: 500,
    });
    await adminPost('/api/admin/models', {
      id: 'gone',
      name: 'Dead',
      connection_id: dead.id,
      upstream_model: 'upstream-dead',
      input_price: 1,
      output_price: 1,
    });
    await adminPost('/api/admin/models', {
      id: 'capped',
      name: 'Capped',
      connection_id: c1.id,
      upstream_model: 'upstream-capped',
      input_price: 1,
      output_price: 3,
      max_output_tokens: 20,
    });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([one.close(), two.close()]);
  });
  beforeEach(() => {
    one.reset();
    two.reset();
  });

  const newChat = async (token: string, model?: string) => {
    const res = await t.http.post('/api/chats', model ? { model } : {}, {
      token,
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; model: string };
  };
  const sendJson = (
    token: string,
    chatId: string,
    body: Record<string, unknown>,
  ) => sendMessage(t.url, token, chatId, body, { query: '?stream=false' });

  it('sends each chat to its model: the right server, upstream name and token parameter', async () => {
    const { token } = await t.register();
    const a = await newChat(token, 'alpha');
    expect(a.model).toBe('alpha');
    const res = await sendJson(token, a.id, { content: 'to alpha' });
    expect(res.status).toBe(200);
    expect(one.requests).toHaveLength(1);
    expect(two.requests).toHaveLength(0);
    expect(one.requests[0].body).toMatchObject({
      model: 'upstream-alpha',
      max_tokens: 500,
    });
    expect(one.requests[0].body).not.toHaveProperty('max_completion_tokens');
    expect(one.requests[0].headers.authorization).toBe('Bearer sk-one-1111');
    expect(res.body.assistant_message).toMatchObject({
      model: 'alpha',
      status: 'complete',
    });
    expect(res.body.user_message).toMatchObject({ model: null, cost: null });
    expect(res.body.quota.model).toBe('alpha');

    // One send overridden to beta, on the other server with max_completion_tokens.
    const over = await sendJson(token, a.id, {
      content: 'to beta once',
      model: 'beta',
    });
    expect(over.status).toBe(200);
    expect(two.requests).toHaveLength(1);
    expect(two.requests[0].body).toMatchObject({
      model: 'upstream-beta',
      max_completion_tokens: 500,
    });
    expect(two.requests[0].body).not.toHaveProperty('max_tokens');
    expect(two.requests[0].headers.authorization).toBeUndefined();
    expect(over.body.assistant_message.model).toBe('beta');
    // The chat stays on alpha; a PATCH moves it.
    expect((await t.http.get(`/api/chats/${a.id}`, { token })).body.model).toBe(
      'alpha',
    );
    const moved = await t.http.patch(
      `/api/chats/${a.id}`,
      { model: 'beta' },
      { token },
    );
    expect(moved.body).toMatchObject({ model: 'beta' });
    await sendJson(token, a.id, { content: 'now beta' });
    expect(two.requests).toHaveLength(2);
    expect(one.requests).toHaveLength(1);
  });

  it('refuses an unknown or disabled model with 400 UNKNOWN_MODEL, and changes nothing', async () => {
    const { token } = await t.register();
    const chat = await newChat(token);
    expect(chat.model).toBe('local');
    for (const [method, path, body] of [
      ['post', '/api/chats', { model: 'nope' }],
      ['patch', `/api/chats/${chat.id}`, { model: 'nope' }],
      [
        'post',
        `/api/chats/${chat.id}/messages?stream=false`,
        { content: 'x', model: 'nope' },
      ],
    ] as const) {
      const res = await t.http[method](path, body, { token });
      expect([path, res.status, res.body.code]).toEqual([
        path,
        400,
        'UNKNOWN_MODEL',
      ]);
    }
    const quota = await t.http.get('/api/chats/quota?model=nope', { token });
    expect([quota.status, quota.body.code]).toEqual([400, 'UNKNOWN_MODEL']);
    // Twice over: not one model (the caller and quota are then read apart).
    const twice = await t.http.get('/api/chats/quota?model=beta&model=local', {
      token,
    });
    expect(twice.status).toBe(400);
    expect(
      (await t.http.get('/api/chats/quota?model=beta', { token })).body.model,
    ).toBe('beta');
    expect((await t.http.get('/api/chats/quota', { token })).body.model).toBe(
      'local',
    );
    expect(
      (await t.http.patch(`/api/chats/${chat.id}`, {}, { token })).status,
    ).toBe(400);
    const after = await t.http.get(`/api/chats/${chat.id}`, { token });
    expect(after.body).toMatchObject({ model: 'local', messages: [] });
    expect(
      (await t.http.get('/api/chats/quota', { token })).body.messages.used,
    ).toBe(0);
  });

  it('sends a chat whose model was disabled to the default model', async () => {
    const { token } = await t.register();
    const chat = await newChat(token, 'beta');
    await t.http.patch(
      '/api/admin/models/beta',
      { enabled: false },
      { token: admin },
    );
    try {
      const res = await sendJson(token, chat.id, { content: 'still answered' });
      expect(res.status).toBe(200);
      expect(res.body.assistant_message.model).toBe('local');
      expect(two.requests).toHaveLength(0);
      const override = await sendJson(token, chat.id, {
        content: 'x',
        model: 'beta',
      });
      expect(override.body.code).toBe('UNKNOWN_MODEL');
      const quota = await t.http.get('/api/chats/quota?model=beta', { token });
      expect([quota.status, quota.body.code]).toEqual([400, 'UNKNOWN_MODEL']);
    } finally {
      await t.http.patch(
        '/api/admin/models/beta',
        { enabled: true },
        { token: admin },
      );
    }
  });

  it('sends a chat whose model was deleted to the default model, and still honours an override', async () => {
    const { token } = await t.register();
    const connection = (
      await t.http.get('/api/admin/connections', { token: admin })
    ).body.items.find((c: { name: string }) => c.name === 'Two');
    await adminPost('/api/admin/models', {
      id: 'short-lived',
      name: 'Short-lived',
      connection_id: connection.id,
      upstream_model: 'upstream-short-lived',
      input_price: 1,
      output_price: 1,
    });
    const chat = await newChat(token, 'short-lived');
    const removed = await t.http.delete('/api/admin/models/short-lived', {
      token: admin,
    });
    expect(removed.status).toBe(204);

    const res = await sendJson(token, chat.id, { content: 'still answered' });
    expect(res.status).toBe(200);
    expect(res.body.assistant_message.model).toBe('local');
    expect(two.requests).toHaveLength(0);
    // An explicit override on the send still goes to its own model.
    const override = await sendJson(token, chat.id, {
      content: 'to alpha',
      model: 'alpha',
    });
    expect(override.status).toBe(200);
    expect(override.body.assistant_message.model).toBe('alpha');
    expect(one.requests).toHaveLength(1);
    expect(one.requests[0].body.model).toBe('upstream-alpha');
  });

  it('retries a 503 before the first byte, then answers', async () => {
    const { token } = await t.register();
    const chat = await newChat(token, 'alpha');
    one.failNext = 1;
    const res = await sendJson(token, chat.id, { content: 'retry me' });
    expect(res.status).toBe(200);
    expect(res.body.assistant_message.content).toBe('Echo: retry me');
    expect(one.requests).toHaveLength(2);
  });

  it('answers a dead server with a 502 that names the model, never its address, and charges nothing', async () => {
    const { token } = await t.register();
    const chat = await newChat(token, 'gone');
    const res = await sendJson(token, chat.id, { content: 'anyone there?' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('AI_PROVIDER_ERROR');
    expect(res.body.message).toContain('"gone"');
    expect(res.text).not.toContain(String(deadPort));
    expect(res.text).not.toContain('127.0.0.1');
    expect(res.text).not.toMatch(/ECONNREFUSED|fetch failed/);
    const streamed = await sendMessage(t.url, token, chat.id, {
      content: 'and streamed?',
    });
    expect(streamed.status).toBe(502);
    expect(streamed.text).not.toContain(String(deadPort));
    expect(
      (await t.http.get('/api/chats/quota', { token })).body.tokens.used,
    ).toBe(0);
  });

  describe('the hard output cap', () => {
    /** A user whose token limit leaves `room` tokens after this prompt. */
    async function userWithRoom(room: number, content: string) {
      const u = await t.register();
      const prompt = tokens.countMessages([{ role: 'user', content }]);
      const limit = prompt + room;
      const res = await t.http.patch(
        `/api/admin/users/${u.id}`,
        { max_ai_tokens_per_day: limit },
        { token: admin },
      );
      expect(res.status).toBe(200);
      return { ...u, prompt, limit };
    }

    it('cuts a provider that ignores max_tokens at the cap, aborts it, and charges the cap', async () => {
      const content = 'tell me everything';
      const u = await userWithRoom(1000, content);
      const chat = await newChat(u.token, 'capped');
      one.ignoreMaxTokens = true;
      one.reply = LONG;
      one.setMode('slow');
      one.delayMs = 1;
      const res = await sendMessage(t.url, u.token, chat.id, { content });
      expect(res.status).toBe(200);
      const done = res.events.at(-1)?.data;
      expect(res.events.at(-1)?.event).toBe('done');
      expect(one.requests[0].body.max_tokens).toBe(20);
      const text = res.events
        .filter((e) => e.event === 'delta')
        .map((e) => e.data.content)
        .join('');
      expect(tokens.countText(text)).toBeLessThanOrEqual(20);
      expect(LONG.startsWith(text)).toBe(true);
      expect(done.usage).toMatchObject({
        completion_tokens: 20,
        prompt_tokens: u.prompt,
      });
      expect(done.assistant_message).toMatchObject({
        content: text,
        completion_tokens: 20,
      });
      await one.waitFor(() => one.aborted === 1 && one.open === 0);
      const quota = (await t.http.get('/api/chats/quota', { token: u.token }))
        .body;
      expect(quota.tokens.used).toBe(u.prompt + 20);
    });

    it('cuts at what the limit leaves, so tokens.used never passes the limit', async () => {
      const content = 'fill my day';
      const u = await userWithRoom(7, content);
      const chat = await newChat(u.token, 'alpha');
      one.ignoreMaxTokens = true;
      one.reply = LONG;
      const res = await sendJson(u.token, chat.id, { content });
      expect(res.status).toBe(200);
      expect(one.requests[0].body.max_tokens).toBe(7);
      expect(res.body.usage.completion_tokens).toBe(7);
      const quota = (await t.http.get('/api/chats/quota', { token: u.token }))
        .body;
      expect(quota.tokens.used).toBe(u.limit);
      expect(quota.tokens.remaining).toBe(0);
    });

    it('charges the hold when the provider reports more than it: the cap for completion, the estimate for the prompt', async () => {
      const content = 'short please';
      const u = await userWithRoom(9, content);
      expect(u.prompt).toBeLessThan(40);
      const chat = await newChat(u.token, 'alpha');
      one.reply = 'ok';
      one.usage = { prompt_tokens: 40, completion_tokens: 100000 };
      const res = await sendJson(u.token, chat.id, { content });
      expect(res.status).toBe(200);
      expect(res.body.usage).toMatchObject({
        prompt_tokens: u.prompt,
        completion_tokens: 9,
        total_tokens: u.prompt + 9,
      });
      expect(res.body.assistant_message.prompt_tokens).toBe(u.prompt);
      const quota = (await t.http.get('/api/chats/quota', { token: u.token }))
        .body;
      // Never past the limit: what was held is the most that is charged.
      expect(quota.tokens.used).toBe(u.limit);
      const metrics = await t.http.get('/metrics');
      expect(metrics.text).toMatch(
        /tally_ai_completion_excess_tokens_total\{model="alpha"\} 99991/,
      );
      expect(metrics.text).toMatch(
        new RegExp(
          `tally_ai_usage_over_hold_total\\{kind="prompt"\\} ${40 - u.prompt}\n`,
        ),
      );
      expect(metrics.text).toMatch(
        /tally_ai_usage_over_hold_total\{kind="completion"\} 99991\n/,
      );
    });
  });

  it('puts the cost on messages, usage, the report, history, CSV and the by-model breakdown, equal to a recount', async () => {
    const { token, id: userId, email } = await t.register();
    const a = await newChat(token, 'alpha');
    one.usage = { prompt_tokens: 1234, completion_tokens: 321 };
    // A prompt whose estimate holds the 1234 tokens the provider reports (a hold is the most charged).
    const r1 = await sendJson(token, a.id, {
      content: `priced one ${'word '.repeat(1300)}`,
    });
    two.usage = { prompt_tokens: 77, completion_tokens: 5 };
    const r2 = await sendJson(token, a.id, {
      content: 'priced two',
      model: 'beta',
    });
    one.usage = null;
    const r3 = await sendMessage(t.url, token, a.id, {
      content: 'streamed three',
    });
    const c1 = costOf(1234, 321, { inputPrice: 0.15, outputPrice: 0.6 });
    expect(c1).toBe(Math.ceil(1234 * 0.15 + 321 * 0.6));
    expect(r1.body.usage.cost).toBe(c1);
    expect(r1.body.assistant_message.cost).toBe(c1);
    expect(r2.body.usage.cost).toBe(
      costOf(77, 5, { inputPrice: 2.5, outputPrice: 10 }),
    );
    const done3 = r3.events.at(-1)?.data;
    expect(done3.usage.cost).toBe(
      costOf(done3.usage.prompt_tokens, done3.usage.completion_tokens, {
        inputPrice: 0.15,
        outputPrice: 0.6,
      }),
    );

    // The recount from the stored messages, with the models' prices.
    const prices: Record<string, { inputPrice: number; outputPrice: number }> =
      {
        alpha: { inputPrice: 0.15, outputPrice: 0.6 },
        beta: { inputPrice: 2.5, outputPrice: 10 },
      };
    const stored = await t.query<{
      model: string;
      prompt_tokens: number;
      completion_tokens: number;
      cost: string;
    }>(
      `SELECT m.model, m.prompt_tokens, m.completion_tokens, m.cost FROM messages m JOIN chats c ON c.id = m.chat_id
       WHERE c.user_id = $1 AND m.role = 'assistant' ORDER BY m.seq`,
      [userId],
    );
    expect(stored).toHaveLength(3);
    const byModel: Record<
      string,
      { messages: number; prompt: number; completion: number; cost: number }
    > = {};
    let total = 0;
    for (const m of stored) {
      const cost = costOf(
        m.prompt_tokens,
        m.completion_tokens,
        prices[m.model],
      );
      expect(Number(m.cost)).toBe(cost);
      total += cost;
      const b = (byModel[m.model] ??= {
        messages: 0,
        prompt: 0,
        completion: 0,
        cost: 0,
      });
      b.messages++;
      b.prompt += m.prompt_tokens;
      b.completion += m.completion_tokens;
      b.cost += cost;
    }
    const chat = (await t.http.get(`/api/chats/${a.id}`, { token })).body;
    expect(
      chat.messages
        .filter((m: { role: string }) => m.role === 'assistant')
        .map((m: { cost: number }) => m.cost),
    ).toEqual(stored.map((m) => Number(m.cost)));

    const report = (
      await t.http.get(`/api/admin/usage?search=${encodeURIComponent(email)}`, {
        token: admin,
      })
    ).body;
    expect(report.items[0]).toMatchObject({
      user_id: userId,
      messages: 3,
      cost: total,
    });
    const day = report.date;
    const allCost = await t.query<{ cost: string }>(
      `SELECT coalesce(sum(m.cost), 0) AS cost FROM messages m WHERE m.role = 'assistant' AND m.cost IS NOT NULL`,
    );
    expect(report.totals.cost).toBe(Number(allCost[0].cost));
    const history = (
      await t.http.get(
        `/api/admin/usage/history?from=${day}&to=${day}&user_id=${userId}`,
        { token: admin },
      )
    ).body;
    expect(history.items[0]).toMatchObject({ messages: 3, cost: total });
    const csv = (
      await t.http.get(`/api/admin/usage/export?date=${day}`, { token: admin })
    ).text;
    const line = csv.split('\r\n').find((l) => l.startsWith(userId));
    expect(line?.endsWith(`,${dollars(total)}`)).toBe(true);
    expect(
      csv
        .split('\r\n')[0]
        .replace(/^\uFEFF/, '')
        .split(',')
        .at(-1),
    ).toBe('cost_usd');

    const models = (
      await t.http.get(`/api/admin/usage/models?date=${day}`, { token: admin })
    ).body;
    expect(models.date).toBe(day);
    const everyone = await t.query<{
      model: string;
      messages: number;
      prompt: string;
      completion: string;
      cost: string;
    }>(
      `SELECT m.model, count(*)::int AS messages, sum(m.prompt_tokens) AS prompt, sum(m.completion_tokens) AS completion,
              sum(m.cost) AS cost
       FROM messages m WHERE m.role = 'assistant' AND m.model IS NOT NULL AND m.prompt_tokens IS NOT NULL
       GROUP BY m.model`,
    );
    for (const row of everyone) {
      expect(models.items).toContainEqual({
        model: row.model,
        messages: row.messages,
        prompt_tokens: Number(row.prompt),
        completion_tokens: Number(row.completion),
        tokens: Number(row.prompt) + Number(row.completion),
        cost: Number(row.cost),
      });
    }
    expect(models.items).toHaveLength(everyone.length);
    expect(
      (await t.http.get(`/api/admin/usage/models?date=${day}`, { token }))
        .status,
    ).toBe(403);
  });
});
