import OpenAI, { BadRequestError } from 'openai';
import { estimatePrompt } from '../../src/modules/ai/prompt-estimate';
import { countTokens } from '../../src/modules/ai/token-count';
import type { FakeOpenAi } from '../support/fake-openai-server';
import { startWithFakeAi } from '../support/fake-ai-app';
import type { TestApp } from '../support/test-app';

/**
 * "Nobody goes over", against requests built to pass a limit: payloads
 * that carry their weight outside the messages' text (`response_format`,
 * `functions`, `prediction`, a message's `name` or `function_call`), 30 at
 * once, streamed and not, some clients leaving after the first chunk, and a
 * provider that bills for everything it read. Every request is refused or
 * charged at least its prompt estimate, and no limit's `used` passes its
 * `limit`. The same with a provider that ignores `max_tokens` on a tool call.
 */

/** About `n` tokens of words that are not in the messages' text. */
const filler = (n: number, sep = ' ') =>
  Array.from({ length: n }, (_, i) => `w${i}`).join(sep);

type Body = Record<string, unknown> & { messages: Record<string, unknown>[] };

/** The requests of the probe, each carrying about `weight` tokens outside the message text. */
function payloads(model: string, weight: number): Body[] {
  const user = (content: string) => ({ role: 'user', content });
  const kinds: ((content: string) => Body)[] = [
    (c) => ({
      model,
      messages: [user(c)],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          schema: { type: 'object', description: filler(weight) },
        },
      },
    }),
    (c) => ({
      model,
      messages: [user(c)],
      functions: [
        {
          name: 'lookup',
          description: filler(weight),
          parameters: { type: 'object' },
        },
      ],
    }),
    (c) => ({
      model,
      messages: [user(c)],
      prediction: { type: 'content', content: filler(weight) },
    }),
    (c) => ({
      model,
      messages: [{ ...user(c), name: filler(weight, '_') }],
    }),
    (c) => ({
      model,
      messages: [
        user('start'),
        {
          role: 'assistant',
          content: '',
          function_call: { name: 'lookup', arguments: filler(weight) },
        },
        user(c),
      ],
    }),
  ];
  return Array.from({ length: 30 }, (_, i) => {
    // Every third streamed request stalls after its first piece; its client leaves then.
    const stream = i % 2 === 0;
    const leaves = stream && i % 3 === 0;
    const body = kinds[i % kinds.length](
      leaves ? '[fake:stall] tell me' : 'tell me',
    );
    return {
      ...body,
      stream,
      max_tokens: 16,
      ...(leaves ? { leaves: true } : {}),
    };
  });
}

/** The estimate of a body as Tally sends it upstream: its messages and the fields that are not its own. */
const estimateOf = (body: Body) => {
  const fields = Object.fromEntries(
    Object.entries(body).filter(([k]) => k !== 'messages' && k !== 'leaves'),
  );
  return estimatePrompt(body.messages, fields);
};

describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('a request is charged what its provider bills (%s)', (_name, embedded) => {
  let t: TestApp;
  let fake: FakeOpenAi;
  let close: () => Promise<void>;
  let admin: string;
  let model: string;

  beforeAll(async () => {
    ({ t, fake, close } = await startWithFakeAi({ embedded }));
    admin = await t.login();
    model = (await t.http.get('/api/models', { token: admin })).body
      .default_model;
    // 20 and 40 micro-dollars a token: $0.10 is 5,000 prompt tokens.
    const priced = await t.http.patch(
      `/api/admin/models/${model}`,
      { input_price: 20, output_price: 40 },
      { token: admin },
    );
    expect(priced.status).toBe(200);
    const settings = await t.http.patch(
      '/api/admin/settings',
      { max_concurrent_streams_per_user: 100 },
      { token: admin },
    );
    expect(settings.status).toBe(200);
  }, 180_000);
  afterAll(() => close?.());
  beforeEach(() => fake.reset());

  /** A user with `n` keys of their own, under one more limit set by `limit`. */
  async function userWithKeys(n: number, limit: (id: string) => Promise<void>) {
    const u = await t.register();
    await limit(u.id);
    const keys: { id: string; key: string }[] = [];
    for (let i = 0; i < n; i++) {
      const res = await t.http.post(
        '/api/auth/api-keys',
        { name: `probe ${i}` },
        { token: u.token },
      );
      expect(res.status).toBe(201);
      keys.push({ id: res.body.id, key: res.body.key });
    }
    return { ...u, keys };
  }

  const tokenLimit = (amount: number) => async (id: string) => {
    const res = await t.http.patch(
      `/api/admin/users/${id}`,
      { max_ai_tokens_per_day: amount },
      { token: admin },
    );
    expect(res.status).toBe(200);
  };
  const costLimit = (amount: number) => async (id: string) => {
    const res = await t.http.post(
      '/api/admin/limits',
      {
        subject: 'user',
        subject_id: id,
        metric: 'cost',
        window: 'day',
        amount,
      },
      { token: admin },
    );
    expect(res.status).toBe(201);
  };

  /** Sends a body with a key; a client that `leaves` goes after the first piece of text. */
  async function send(key: string, body: Body): Promise<number> {
    const { leaves, ...wire } = body;
    const client = new AbortController();
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(wire),
      signal: client.signal,
    });
    if (res.status !== 200 || !leaves) {
      await res.text();
      return res.status;
    }
    const reader = res.body?.getReader();
    if (!reader) throw new Error('a streamed answer without a body');
    let seen = '';
    while (!/"content":"[^"]/.test(seen)) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    client.abort();
    return res.status;
  }

  /** The user's request-log rows, once every one of `n` requests is settled, and their holds. */
  async function settled(userId: string, n: number) {
    type Row = {
      api_key_id: string;
      status: string;
      prompt_tokens: number | null;
      completion_tokens: number | null;
    };
    let rows: Row[] = [];
    let holds = -1;
    for (let i = 0; i < 400; i++) {
      rows = await t.query<Row>(
        `SELECT api_key_id, status, prompt_tokens, completion_tokens
         FROM gateway_requests WHERE user_id = $1`,
        [userId],
      );
      const [h] = await t.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM usage_holds WHERE user_id = $1`,
        [userId],
      );
      holds = h.n;
      if (rows.length >= n && holds === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { rows, holds };
  }

  /** Every limit that applies to the user, from their quota. */
  async function limitsOf(token: string) {
    const quota = await t.http.get(`/api/chats/quota?model=${model}`, {
      token,
    });
    expect(quota.status).toBe(200);
    return quota.body.limits as {
      metric: string;
      used: number;
      limit: number;
    }[];
  }

  it.each([
    ['a 5,000-token daily limit', 'tokens', tokenLimit(5000)],
    ['a $0.10 daily cost limit', 'cost', costLimit(100_000)],
  ] as const)(
    'with %s, 30 payloads heavy outside their text at once: each refused or charged at least its estimate, and used ≤ limit',
    async (_limit, metric, limit) => {
      fake.billsWhatItReads = true;
      const u = await userWithKeys(30, limit);
      const bodies = payloads(model, 600);
      const statuses = await Promise.all(
        bodies.map((b, i) => send(u.keys[i].key, b)),
      );
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(1);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);

      const { rows, holds } = await settled(u.id, 30);
      expect(holds).toBe(0);
      const byKey = new Map(rows.map((r) => [r.api_key_id, r]));
      bodies.forEach((body, i) => {
        const row = byKey.get(u.keys[i].id);
        expect(row).toBeDefined();
        if (row?.status === 'refused') return;
        expect(row?.prompt_tokens).toBeGreaterThanOrEqual(estimateOf(body));
      });
      const limits = await limitsOf(u.token);
      expect(limits.some((l) => l.metric === metric)).toBe(true);
      for (const l of limits) expect(l.used).toBeLessThanOrEqual(l.limit);
    },
  );

  it('cuts a tool call at the cap when the provider ignores max_tokens, streamed or not, and charges the cap', async () => {
    const u = await userWithKeys(1, tokenLimit(5000));
    const args = JSON.stringify({ query: 'x'.repeat(20_000) });
    fake.toolCalls = [{ id: 'call_1', name: 'lookup', arguments: args }];
    const openai = new OpenAI({
      apiKey: u.keys[0].key,
      baseURL: `${t.url}/v1`,
      maxRetries: 0,
    });
    const request = {
      model,
      max_tokens: 50,
      messages: [{ role: 'user' as const, content: 'look it up' }],
      tools: [
        {
          type: 'function' as const,
          function: { name: 'lookup', parameters: { type: 'object' } },
        },
      ],
    };
    const whole = await openai.chat.completions.create(request);
    const call = whole.choices[0].message.tool_calls?.[0];
    const sent =
      call?.type === 'function'
        ? call.function.name + call.function.arguments
        : '';
    expect(countTokens(sent)).toBeLessThanOrEqual(50);
    expect(args.startsWith(sent.slice('lookup'.length))).toBe(true);
    expect(whole.choices[0].finish_reason).toBe('length');
    expect(whole.usage?.completion_tokens).toBe(50);

    const stream = await openai.chat.completions.create({
      ...request,
      stream: true,
    });
    let streamed = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices[0]?.delta?.tool_calls ?? [])
        streamed += (c.function?.name ?? '') + (c.function?.arguments ?? '');
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(countTokens(streamed)).toBeLessThanOrEqual(50);
    expect(finish).toBe('length');

    const { rows } = await settled(u.id, 2);
    expect(rows.map((r) => r.completion_tokens)).toEqual([50, 50]);
    for (const l of await limitsOf(u.token))
      expect(l.used).toBeLessThanOrEqual(l.limit);
  });

  it.each([
    ['service_tier', 'priority'],
    ['audio', { voice: 'alloy', format: 'wav' }],
    ['modalities', ['text', 'audio']],
    ['web_search_options', {}],
  ])(
    'refuses %s, which changes the price per token: 400 unsupported_parameter, nothing charged',
    async (param, value) => {
      const u = await userWithKeys(1, tokenLimit(5000));
      const openai = new OpenAI({
        apiKey: u.keys[0].key,
        baseURL: `${t.url}/v1`,
        maxRetries: 0,
      });
      const err = await openai.chat.completions
        .create({
          model,
          messages: [{ role: 'user', content: 'hi' }],
          [param]: value,
        } as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect(err).toMatchObject({
        status: 400,
        code: 'unsupported_parameter',
        param,
        type: 'invalid_request_error',
      });
      expect(fake.requests).toHaveLength(0);
      const [day] = await t.query(
        'SELECT count(*)::int AS n FROM usage_daily WHERE user_id = $1',
        [u.id],
      );
      expect(day.n).toBe(0);
    },
  );

  it('takes service_tier "auto" and "default" and modalities ["text"]', async () => {
    const u = await userWithKeys(1, tokenLimit(5000));
    const openai = new OpenAI({
      apiKey: u.keys[0].key,
      baseURL: `${t.url}/v1`,
      maxRetries: 0,
    });
    for (const extra of [
      { service_tier: 'auto' },
      { service_tier: 'default' },
      { modalities: ['text'] },
    ]) {
      const done = await openai.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }],
        ...extra,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      expect(done.choices[0].message.content).toContain('hi');
    }
  });
});
