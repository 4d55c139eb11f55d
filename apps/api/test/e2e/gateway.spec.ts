import OpenAI, {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import type { FakeOpenAi } from '../support/fake-openai-server';
import { type LoggedRequest, refusals } from '../support/request-log';
import { startWithFakeAi } from '../support/fake-ai-app';
import type { TestApp } from '../support/test-app';

/**
 * The OpenAI-compatible endpoint, driven by the official `openai` SDK over
 * HTTP against the API on PostgreSQL and a fake provider on loopback.
 */
describe('OpenAI-compatible gateway (PostgreSQL)', () => {
  let t: TestApp;
  let fake: FakeOpenAi;
  let close: () => Promise<void>;
  let admin: string;
  /** The environment's model, on the fake provider. */
  let model: string;

  const client = (apiKey: string, maxRetries = 0) =>
    new OpenAI({ apiKey, baseURL: `${t.url}/v1`, maxRetries });

  const newKey = async (
    token: string,
    body: Record<string, unknown> = { name: 'svc' },
  ) => {
    const res = await t.http.post('/api/auth/api-keys', body, { token });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string; models: string[] | null };
  };

  /** A registered user with a daily message limit, and a key of theirs. */
  const userWithKey = async (messages: number | null = null) => {
    const u = await t.register();
    const res = await t.http.patch(
      `/api/admin/users/${u.id}`,
      { max_ai_messages_per_day: messages },
      { token: admin },
    );
    expect(res.status).toBe(200);
    return { ...u, key: await newKey(u.token) };
  };

  const logOf = async (query: string) => {
    const res = await t.http.get(`/api/admin/requests?${query}`, {
      token: admin,
    });
    expect(res.status).toBe(200);
    return res.body as { items: LoggedRequest[]; total: number };
  };

  beforeAll(async () => {
    ({ t, fake, close } = await startWithFakeAi({
      env: { AI_MAX_OUTPUT_TOKENS: '200' },
    }));
    admin = await t.login();
    model = (await t.http.get('/api/models', { token: admin })).body
      .default_model;
    const settings = await t.http.patch(
      '/api/admin/settings',
      { max_concurrent_streams_per_user: 100 },
      { token: admin },
    );
    expect(settings.status).toBe(200);
  });
  afterAll(() => close?.());
  beforeEach(() => fake.reset());

  it('lists the models and gets one; an unknown one is 404 model_not_found', async () => {
    const { key } = await userWithKey();
    const openai = client(key.key);
    const list = await openai.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining([model, 'local']));
    expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'tally' });
    expect(typeof list.data[0].created).toBe('number');
    expect((await openai.models.retrieve(model)).id).toBe(model);
    const err = await openai.models.retrieve('nope').catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe('model_not_found');
  });

  /** `tally_ai_tokens_total` of the OpenAI-compatible adapter, for `kind`. */
  const aiTokens = async (kind: string) => {
    const text = (await t.http.get('/metrics')).text;
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith(`tally_ai_tokens_total{provider="openai",kind="${kind}"}`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  it('answers a completion with usage, passing unknown fields on and asking upstream for usage', async () => {
    const { key, id } = await userWithKey();
    fake.usage = { prompt_tokens: 11, completion_tokens: 3 };
    const before = await aiTokens('completion');
    const res = await client(key.key).chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'hello there' }],
      temperature: 0.3,
      max_tokens: 50,
      // A field Tally does not know.
      ...({ top_k: 7 } as object),
    });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe(model);
    expect(res.choices[0].message).toMatchObject({
      role: 'assistant',
      content: 'Echo: hello there',
    });
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage).toEqual({
      prompt_tokens: 11,
      completion_tokens: 3,
      total_tokens: 14,
    });
    const upstream = fake.requests[0].body;
    expect(upstream).toMatchObject({
      temperature: 0.3,
      top_k: 7,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 50,
    });
    // Settled like a chat send: in the counters, and one log row.
    const [day] = await t.query(
      'SELECT messages, tokens::int AS tokens FROM usage_daily WHERE user_id = $1',
      [id],
    );
    expect(day).toEqual({ messages: 1, tokens: 14 });
    // Counted in the same AI metrics as a chat answer.
    expect((await aiTokens('completion')) - before).toBe(3);
    const log = await logOf(`api_key_id=${key.id}`);
    expect(log.items).toEqual([
      expect.objectContaining({
        user_id: id,
        api_key_id: key.id,
        model,
        status: 'complete',
        code: null,
        prompt_tokens: 11,
        completion_tokens: 3,
      }),
    ]);
  });

  it('streams without the usage chunk unless asked, and with it when asked', async () => {
    const { key } = await userWithKey();
    const openai = client(key.key);
    const plain = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
    });
    const chunks = [];
    for await (const c of plain) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(
      'Echo: one two three',
    );
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
    expect(fake.requests[0].body.stream_options).toEqual({
      include_usage: true,
    });

    fake.usage = { prompt_tokens: 9, completion_tokens: 4 };
    const counted = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const all = [];
    for await (const c of counted) all.push(c);
    expect(all.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    });
    expect(all.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('passes tools to the provider and its tool calls back, streamed and not', async () => {
    const { key } = await userWithKey();
    const openai = client(key.key);
    fake.toolCalls = [
      { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ];
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' } },
          },
        },
      },
    ];
    const res = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      tool_choice: 'auto',
    });
    expect(fake.requests[0].body).toMatchObject({ tools, tool_choice: 'auto' });
    expect(res.choices[0].finish_reason).toBe('tool_calls');
    expect(res.choices[0].message.tool_calls).toEqual([
      {
        id: 'call_1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);

    // The answer to the tool goes back with the tool message.
    const stream = openai.chat.completions.stream({
      model,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: res.choices[0].message.tool_calls,
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
      ],
      tools,
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].message.tool_calls?.[0].function).toEqual({
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    });
    expect(fake.requests[1].body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: res.choices[0].message.tool_calls,
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
    ]);
  });

  it('refuses tools for the built-in model (400) and a bad body in OpenAI shape', async () => {
    const { key } = await userWithKey();
    const openai = client(key.key);
    const tools = await openai.chat.completions
      .create({
        model: 'local',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'f' } }],
      })
      .catch((e) => e);
    expect(tools).toBeInstanceOf(BadRequestError);
    expect(tools.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'tools',
    });
    const bad = await openai.chat.completions
      .create({ model, messages: [] })
      .catch((e) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.param).toBe('messages');
    const malformed = await t.http.post('/v1/chat/completions', undefined, {
      token: key.key,
      raw: '{"model": ',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'MALFORMED_JSON',
    });
    const wrong = await client('tly_not-a-key')
      .models.list()
      .catch((e) => e);
    expect(wrong).toBeInstanceOf(AuthenticationError);
    expect(wrong.code).toBe('invalid_api_key');
    // Both refused requests are logged (the malformed body never reached a
    // known caller), in one row of that minute with the first one's model.
    const log = await logOf(`api_key_id=${key.id}`);
    expect(refusals(log.items)).toEqual({
      [`${key.id} invalid_request_error`]: 2,
    });
    expect(log.items.at(-1)).toMatchObject({
      status: 'refused',
      code: 'invalid_request_error',
      model: 'local',
    });
  });

  it('answers a quota refusal as a RateLimitError with the quota code, headers and no retries', async () => {
    const { key } = await userWithKey(1);
    const openai = client(key.key, 3);
    const ok = await openai.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(ok.response.headers.get('x-ratelimit-limit-requests')).toBe('1');
    expect(ok.response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(ok.response.headers.get('ratelimit-policy')).toContain(
      '"daily-messages";q=1',
    );
    const err = await openai.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.status).toBe(429);
    expect(err.code).toBe('QUOTA_MESSAGES_EXCEEDED');
    expect(err.type).toBe('insufficient_quota');
    expect(err.headers.get('x-should-retry')).toBe('false');
    expect(Number(err.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(err.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(err.headers.get('x-ratelimit-reset-requests')).toMatch(
      /^(\d+h)?(\d+m)?\d+s$/,
    );
    expect(err.headers.get('ratelimit')).toContain('"daily-messages";r=0');
    // The SDK did not retry in vain: one refusal in the log.
    const log = await logOf(`api_key_id=${key.id}`);
    expect(log.items.map((r) => r.status)).toEqual(['refused', 'complete']);
    expect(log.items[0].code).toBe('QUOTA_MESSAGES_EXCEEDED');
  });

  it('admits exactly 5 of 30 concurrent completions with 5 messages left', async () => {
    const { key, id } = await userWithKey(5);
    fake.setMode('slow');
    fake.delayMs = 20;
    const openai = client(key.key);
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        openai.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'count me' }],
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof RateLimitError,
    );
    expect(ok).toHaveLength(5);
    expect(refused).toHaveLength(25);
    const [day] = await t.query(
      'SELECT messages FROM usage_daily WHERE user_id = $1',
      [id],
    );
    expect(day.messages).toBe(5);
    const log = await logOf(`user_id=${id}&page_size=200`);
    expect(log.items.filter((r) => r.status === 'complete')).toHaveLength(5);
    expect(refusals(log.items)).toEqual({
      [`${key.id} QUOTA_MESSAGES_EXCEEDED`]: 25,
    });
  });

  it('holds a key restricted to a model to it, on /v1 and on chat sends', async () => {
    const conn = (
      await t.http.get('/api/admin/connections', { token: admin })
    ).body.items.find((c: { source: string }) => c.source === 'environment');
    const created = await t.http.post(
      '/api/admin/models',
      {
        id: 'other',
        name: 'Other',
        connection_id: conn.id,
        upstream_model: 'other-upstream',
        input_price: 1,
        output_price: 2,
      },
      { token: admin },
    );
    expect(created.status).toBe(201);
    const u = await t.register();
    const key = await newKey(u.token, {
      name: 'only-other',
      models: ['other'],
    });
    expect(key.models).toEqual(['other']);
    const openai = client(key.key);
    expect((await openai.models.list()).data.map((m) => m.id)).toEqual([
      'other',
    ]);
    const err = await openai.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err.code).toBe('MODEL_NOT_ALLOWED');
    const res = await openai.chat.completions.create({
      model: 'other',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.model).toBe('other');
    expect(fake.requests.at(-1)?.body.model).toBe('other-upstream');

    const chat = await t.newChat(u.token);
    const send = await t.http.post(
      `/api/chats/${chat}/messages?stream=false`,
      { content: 'hi' },
      { token: key.key },
    );
    expect(send.status).toBe(403);
    expect(send.body.code).toBe('MODEL_NOT_ALLOWED');
    const allowed = await t.http.post(
      `/api/chats/${chat}/messages?stream=false`,
      { content: 'hi', model: 'other' },
      { token: key.key },
    );
    expect(allowed.status).toBe(200);
  });

  it('manages keys with a login only: an API key gets 403, and PATCH changes name and models', async () => {
    const u = await t.register();
    const key = await newKey(u.token);
    for (const [method, path, body] of [
      ['post', '/api/auth/api-keys', { name: 'x' }],
      ['get', '/api/auth/api-keys', undefined],
      ['patch', `/api/auth/api-keys/${key.id}`, { name: 'y' }],
      ['delete', `/api/auth/api-keys/${key.id}`, undefined],
    ] as const) {
      const res = await t.http.request(method.toUpperCase(), path, body, {
        token: key.key,
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('API_KEY_NOT_ALLOWED');
    }
    const patched = await t.http.patch(
      `/api/auth/api-keys/${key.id}`,
      { name: 'renamed', models: [model] },
      { token: u.token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'renamed', models: [model] });
    const lifted = await t.http.patch(
      `/api/auth/api-keys/${key.id}`,
      { models: null },
      { token: u.token },
    );
    expect(lifted.body.models).toBeNull();
    for (const bad of [{ models: ['no-such-model'] }, { colour: 'red' }]) {
      const res = await t.http.patch(`/api/auth/api-keys/${key.id}`, bad, {
        token: u.token,
      });
      expect(res.status).toBe(400);
    }
    const other = await t.register();
    expect(
      (
        await t.http.patch(
          `/api/auth/api-keys/${key.id}`,
          { name: 'mine' },
          { token: other.token },
        )
      ).status,
    ).toBe(404);
  });

  it("refuses at a key's own daily limit before its owner's, and keeps a key's limits with the key", async () => {
    const { token, id } = await userWithKey(10);
    const limited = await newKey(token, {
      name: 'two a day',
      limits: [
        { metric: 'messages', window: 'day', amount: 2 },
        { metric: 'tokens', window: 'month', amount: 1_000_000 },
      ],
    });
    const openai = client(limited.key);
    const ask = () =>
      openai.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }],
      });
    await ask();
    await ask();
    const err = await ask().catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.code).toBe('QUOTA_MESSAGES_EXCEEDED');
    expect(err.message).toMatch(/API key/);
    // The owner has 8 of 10 left: another key of theirs still gets answers.
    const other = await newKey(token, { name: 'unlimited' });
    await expect(
      client(other.key).chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).resolves.toMatchObject({ object: 'chat.completion' });
    const [day] = await t.query(
      'SELECT messages FROM usage_daily WHERE user_id = $1',
      [id],
    );
    expect(day.messages).toBe(3);

    const list = await t.http.get('/api/auth/api-keys', { token });
    const shown = list.body.items.find(
      (k: { id: string }) => k.id === limited.id,
    );
    expect(shown.limits).toEqual([
      expect.objectContaining({
        metric: 'messages',
        window: 'day',
        amount: 2,
        used: 2,
      }),
      expect.objectContaining({
        metric: 'tokens',
        window: 'month',
        amount: 1_000_000,
      }),
    ]);
    expect(Date.parse(shown.limits[0].resets_at)).toBeGreaterThan(Date.now());

    // PATCH replaces the limits as a whole; the key answers again.
    const patched = await t.http.patch(
      `/api/auth/api-keys/${limited.id}`,
      { limits: [{ metric: 'messages', window: 'week', amount: 5 }] },
      { token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.limits).toEqual([
      expect.objectContaining({
        metric: 'messages',
        window: 'week',
        amount: 5,
      }),
    ]);
    await expect(ask()).resolves.toMatchObject({ object: 'chat.completion' });
    const twice = await t.http.patch(
      `/api/auth/api-keys/${limited.id}`,
      {
        limits: [
          { metric: 'cost', window: 'day', amount: 1 },
          { metric: 'cost', window: 'day', amount: 2 },
        ],
      },
      { token },
    );
    expect(twice.status).toBe(400);

    // Deleting the key deletes its limits.
    expect(
      (await t.http.delete(`/api/auth/api-keys/${limited.id}`, { token }))
        .status,
    ).toBe(204);
    const rows = await t.query(
      `SELECT count(*)::int AS n FROM limits WHERE subject = 'api_key' AND subject_id = $1`,
      [limited.id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('lets admins only read the request log, filtered and paged', async () => {
    const { key, token, id } = await userWithKey();
    const openai = client(key.key);
    for (let i = 0; i < 3; i++)
      await openai.chat.completions.create({
        model,
        messages: [{ role: 'user', content: `n${i}` }],
      });
    const page = await logOf(`user_id=${id}&page=2&page_size=2`);
    expect(page).toMatchObject({ total: 3, page: 2, page_size: 2 });
    expect(page.items).toHaveLength(1);
    const all = await logOf(`user_id=${id}&model=${model}`);
    const started = all.items.map((r) => Date.parse(String(r.started_at)));
    expect([...started].sort((a, b) => b - a)).toEqual(started);
    expect((await logOf(`model=nothing-like-it`)).total).toBe(0);
    expect((await t.http.get('/api/admin/requests', { token })).status).toBe(
      403,
    );
    expect(
      (await t.http.get('/api/admin/requests?page_size=0', { token: admin }))
        .status,
    ).toBe(400);
  });
});
