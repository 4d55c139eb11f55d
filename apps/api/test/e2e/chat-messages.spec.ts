import { TokenCounter } from '../../src/modules/ai';
import {
  HoldsService,
  type Reservation,
} from '../../src/modules/usage/holds.service';
import { Lease } from '../../src/modules/usage/lease';
import {
  eventually,
  sendMessage,
  type SendResult,
} from '../support/chat-stream';
import { type FakeAiApp, startWithFakeAi } from '../support/fake-ai-app';
import type { FakeOpenAi } from '../support/fake-openai-server';
import type { TestApp } from '../support/test-app';

const SYSTEM_PROMPT = 'You are a careful test assistant.';
const MAX_OUTPUT = 50;
const CONTEXT = 256;
const tokens = new TokenCounter();

describe('sending messages (OpenAI-compatible provider)', () => {
  let fake: FakeOpenAi;
  let t: TestApp;
  let settle: jest.SpyInstance;
  let reserve: jest.SpyInstance;
  let user: { token: string; id: string };

  let app: FakeAiApp;
  const db = (text: string, params: unknown[] = []) => t.query(text, params);
  const newChat = (token = user.token, title?: string) =>
    t.newChat(token, title);
  const send = (
    chatId: string,
    content: unknown,
    opts: Parameters<typeof sendMessage>[4] = {},
    token = user.token,
  ) => sendMessage(t.url, token, chatId, { content }, opts);
  const rows = (chatId: string) =>
    db(
      `SELECT role, content, status, prompt_tokens, completion_tokens FROM messages WHERE chat_id = $1 ORDER BY seq`,
      [chatId],
    );
  const reservations = (): Promise<Reservation>[] =>
    reserve.mock.results.map((r) => r.value as Promise<Reservation>);
  const names = (r: SendResult) => r.events.map((e) => e.event);
  /** The stored rows of a send whose provider failed before any text: the message, and an empty, uncharged error answer. */
  const failedBeforeAnyText = (content: string) => [
    {
      role: 'user',
      content,
      status: 'complete',
      prompt_tokens: null,
      completion_tokens: null,
    },
    {
      role: 'assistant',
      content: '',
      status: 'error',
      prompt_tokens: null,
      completion_tokens: null,
    },
  ];

  beforeAll(async () => {
    app = await startWithFakeAi({
      env: {
        AI_API_KEY: 'sk-test-secret',
        // Long enough that a loaded machine's pauses between two pieces of an
        // answer are not taken for a silent provider; the hang test waits it out.
        AI_TIMEOUT_MS: '3000',
        AI_MODEL: 'gpt-test',
        AI_SYSTEM_PROMPT: SYSTEM_PROMPT,
        AI_MAX_OUTPUT_TOKENS: String(MAX_OUTPUT),
        AI_CONTEXT_TOKENS: String(CONTEXT),
        // Slots of answers in progress expire after 2 s unless the heartbeat renews them.
        QUOTA_HOLD_TTL_SECONDS: '2',
        QUOTA_HOLD_HEARTBEAT_SECONDS: '1',
      },
    });
    ({ t, fake } = app);
    // Each send settles its lease once (with what it charged), after the reservation.
    settle = jest.spyOn(Lease.prototype, 'settle');
    reserve = jest.spyOn(t.app.get(HoldsService), 'reserve');
  });
  afterAll(() => app?.close());
  beforeEach(async () => {
    fake.reset();
    settle.mockClear();
    reserve.mockClear();
    user = await t.register();
  });

  it('streams user_message, the deltas and done, in that order, and stores both messages', async () => {
    const chatId = await newChat();
    const res = await send(chatId, 'hello there');

    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(names(res)).toEqual([
      'user_message',
      'delta',
      'delta',
      'delta',
      'done',
    ]);

    const [userEvent, ...rest] = res.events;
    expect(userEvent.data).toMatchObject({
      chat_id: chatId,
      role: 'user',
      content: 'hello there',
      status: 'complete',
      prompt_tokens: null,
      completion_tokens: null,
    });
    const deltas = rest
      .filter((e) => e.event === 'delta')
      .map((e) => e.data.content);
    expect(deltas).toEqual(['Echo:', ' hello', ' there']);

    // The fake reports words + 4 per message as prompt (system 6 words + 4, user 2 + 4) and the words sent.
    const done = res.events[res.events.length - 1].data;
    expect(done.usage).toEqual({
      prompt_tokens: 16,
      completion_tokens: 3,
      total_tokens: 19,
      cost: 0,
    });
    expect(done.assistant_message).toMatchObject({
      chat_id: chatId,
      role: 'assistant',
      content: 'Echo: hello there',
      status: 'complete',
      prompt_tokens: 16,
      completion_tokens: 3,
    });
    expect(done.quota).toEqual(
      (await t.http.get('/api/chats/quota', { token: user.token })).body,
    );

    expect(await rows(chatId)).toEqual([
      {
        role: 'user',
        content: 'hello there',
        status: 'complete',
        prompt_tokens: null,
        completion_tokens: null,
      },
      {
        role: 'assistant',
        content: 'Echo: hello there',
        status: 'complete',
        prompt_tokens: 16,
        completion_tokens: 3,
      },
    ]);
    const chat = await t.http.get(`/api/chats/${chatId}`, {
      token: user.token,
    });
    expect(chat.body.messages.map((m: { id: string }) => m.id)).toEqual([
      userEvent.data.id,
      done.assistant_message.id,
    ]);

    expect(settle).toHaveBeenCalledTimes(1);
    expect(settle.mock.calls[0][0]).toEqual({
      promptTokens: 16,
      completionTokens: 3,
      charged: true,
      model: 'gpt-test',
      cost: 0,
    });
    expect(await db(`SELECT count(*)::int AS n FROM stream_slots`)).toEqual([
      { n: 0 },
    ]);
  });

  it('sends max_tokens = the reservation output cap, include_usage, the model and the key', async () => {
    const chatId = await newChat();
    await send(chatId, 'cap please', { query: '?stream=false' });
    expect(reserve).toHaveBeenCalledTimes(1);
    const [
      { userId, promptTokens, maxOutputTokens: maxOutput, model, apiKeyId },
    ] = reserve.mock.calls[0];
    expect([model, apiKeyId]).toEqual(['gpt-test', null]);
    expect(userId).toBe(user.id);
    expect(maxOutput).toBe(MAX_OUTPUT);
    const reservation = await reservations()[0];
    const body = fake.requests[0].body;
    expect(body.max_tokens).toBe(reservation.outputCap);
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(body.model).toBe('gpt-test');
    expect(fake.requests[0].headers.authorization).toBe(
      'Bearer sk-test-secret',
    );
    expect(promptTokens).toBe(tokens.countMessages(body.messages as never));
  });

  it('answers JSON with ?stream=false once complete', async () => {
    const chatId = await newChat();
    const res = await send(chatId, 'json please', { query: '?stream=false' });
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('application/json');
    expect(res.body.user_message).toMatchObject({
      role: 'user',
      content: 'json please',
      status: 'complete',
    });
    expect(res.body.assistant_message).toMatchObject({
      role: 'assistant',
      content: 'Echo: json please',
      status: 'complete',
      prompt_tokens: 16,
      completion_tokens: 3,
    });
    expect(res.body.usage).toEqual({
      prompt_tokens: 16,
      completion_tokens: 3,
      total_tokens: 19,
      cost: 0,
    });
    expect(res.body.quota).toHaveProperty('messages.limit');
    expect(await rows(chatId)).toHaveLength(2);
  });

  it('sets the RateLimit headers of the quota after the answer on a JSON answer and on a 502', async () => {
    const chatId = await newChat();
    const policy = (
      await t.http.get('/api/chats/quota', { token: user.token })
    ).headers.get('ratelimit-policy');
    const remaining = (h: Headers) =>
      /"daily-messages";r=(\d+);t=\d+, "daily-tokens";r=(\d+);t=\d+/
        .exec(h.get('ratelimit') ?? '')
        ?.slice(1)
        .map(Number);

    const ok = await send(chatId, 'json please', { query: '?stream=false' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('ratelimit-policy')).toBe(policy);
    expect(remaining(ok.headers)).toEqual([
      ok.body.quota.messages.remaining,
      ok.body.quota.tokens.remaining,
    ]);

    fake.setMode('fail');
    const failed = await send(chatId, 'please fail');
    expect(failed.status).toBe(502);
    expect(failed.headers.get('ratelimit-policy')).toBe(policy);
    // Not charged: what was left before the send is left after it.
    expect(remaining(failed.headers)).toEqual(remaining(ok.headers));
  });

  it('accepts only stream=true or stream=false', async () => {
    const chatId = await newChat();
    for (const query of [
      '?stream=yes',
      '?stream=',
      '?stream=true&stream=false',
    ]) {
      const res = await send(chatId, 'hi', { query });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await send(chatId, 'hi', { query: '?stream=true' })).status).toBe(
      200,
    );
    expect(reserve).toHaveBeenCalledTimes(1);
    expect(await rows(chatId)).toHaveLength(2);
  });

  it('sends the system prompt, then the history oldest first, then the new message', async () => {
    const chatId = await newChat();
    await send(chatId, 'first question', { query: '?stream=false' });
    fake.reply = 'second answer';
    await send(chatId, 'second question', { query: '?stream=false' });
    fake.reply = null;
    await send(chatId, 'third question', { query: '?stream=false' });
    expect(fake.requests[2].body.messages).toEqual([
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'Echo: first question' },
      { role: 'user', content: 'second question' },
      { role: 'assistant', content: 'second answer' },
      { role: 'user', content: 'third question' },
    ]);
  });

  it('leaves out answers without text, and drops the oldest history beyond the context budget', async () => {
    const chatId = await newChat();
    fake.setMode('fail');
    expect((await send(chatId, 'this one fails')).status).toBe(502);
    fake.setMode('normal');
    // About 40 tokens per message: the 256-token budget cannot hold the whole history.
    const long = (n: number) =>
      `message ${n}: ${'lorem ipsum dolor sit amet '.repeat(8).trim()}`;
    for (let n = 1; n <= 4; n++)
      await send(chatId, long(n), { query: '?stream=false' });
    await send(chatId, 'the newest one', { query: '?stream=false' });

    const sent = fake.requests[fake.requests.length - 1].body
      .messages as Array<{
      role: 'user' | 'assistant' | 'system';
      content: string;
    }>;
    const history = (await rows(chatId))
      .filter((r) => r.content !== '')
      .map((r) => ({ role: r.role, content: r.content }))
      .slice(0, -1); // the newest message is sent as the last one
    expect(sent[0]).toEqual({ role: 'system', content: SYSTEM_PROMPT });
    expect(sent[sent.length - 1]).toEqual({
      role: 'user',
      content: 'the newest one',
    });
    const kept = sent.slice(1, -1);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(history.length - 1);
    // What was kept is the newest part of the history, in order.
    expect(kept).toEqual(
      history.slice(history.length - 1 - kept.length, history.length - 1),
    );
    // It fits the budget, and one more (older) message would not have.
    expect(tokens.countMessages(sent)).toBeLessThanOrEqual(CONTEXT);
    const older = history[history.length - 2 - kept.length];
    expect(tokens.countMessages([...sent, older])).toBeGreaterThan(CONTEXT);
    // The failed send left a user message and an empty error answer; the empty one is never sent.
    expect(sent.some((m) => m.content === '')).toBe(false);
  });

  it('counts the usage with the tokenizer when the provider reports none', async () => {
    fake.setMode('no-usage');
    const chatId = await newChat();
    const res = await send(chatId, 'count me please');
    const done = res.events[res.events.length - 1];
    expect(done.event).toBe('done');
    const sent = fake.requests[0].body.messages as never;
    const expected = {
      prompt: tokens.countMessages(sent),
      completion: tokens.countText('Echo: count me please'),
    };
    expect(done.data.usage).toEqual({
      prompt_tokens: expected.prompt,
      completion_tokens: expected.completion,
      total_tokens: expected.prompt + expected.completion,
      cost: 0,
    });
    expect(done.data.assistant_message.prompt_tokens).toBe(expected.prompt);
    expect(settle.mock.calls[0][0]).toEqual({
      promptTokens: expected.prompt,
      completionTokens: expected.completion,
      charged: true,
      model: 'gpt-test',
      cost: 0,
    });
  });

  it('answers 502 JSON when the provider fails before any text: nothing charged, answer stored as error', async () => {
    const chatId = await newChat();
    const before = (await t.http.get('/api/chats/quota', { token: user.token }))
      .body;
    fake.setMode('fail');
    const res = await send(chatId, 'please fail');
    expect(res.status).toBe(502);
    expect(res.contentType).toContain('application/json');
    expect(res.body).toMatchObject({
      statusCode: 502,
      code: 'AI_PROVIDER_ERROR',
    });
    expect(res.text).not.toContain('sk-test-secret');
    expect(await rows(chatId)).toEqual(failedBeforeAnyText('please fail'));
    expect(settle).toHaveBeenCalledTimes(1);
    expect(settle.mock.calls[0][0]).toEqual({
      promptTokens: 0,
      completionTokens: 0,
      charged: false,
    });
    expect(
      (await t.http.get('/api/chats/quota', { token: user.token })).body,
    ).toEqual(before);
    expect(await db(`SELECT count(*)::int AS n FROM stream_slots`)).toEqual([
      { n: 0 },
    ]);
  });

  it('answers 504 JSON when the provider does not answer within AI_TIMEOUT_MS, and aborts it', async () => {
    const chatId = await newChat();
    fake.setMode('hang');
    const res = await send(chatId, 'please hang', { query: '?stream=false' });
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({
      statusCode: 504,
      code: 'AI_PROVIDER_TIMEOUT',
    });
    await fake.waitFor(() => fake.aborted === 1 && fake.open === 0);
    expect(await rows(chatId)).toEqual(failedBeforeAnyText('please hang'));
    expect(settle.mock.calls).toEqual([
      [
        { promptTokens: 0, completionTokens: 0, charged: false },
        expect.anything(),
      ],
    ]);
  });

  it('ends with an error event when the provider fails mid-answer, and keeps the partial answer as error', async () => {
    const chatId = await newChat();
    fake.setMode('fail-mid-stream');
    const res = await send(chatId, 'one two three four');
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(['user_message', 'delta', 'delta', 'error']);
    expect(res.events[3].data).toEqual({
      code: 'AI_PROVIDER_ERROR',
      message: expect.any(String),
    });
    const sent = fake.requests[0].body.messages as never;
    const prompt = tokens.countMessages(sent);
    const completion = tokens.countText('Echo: one');
    expect(await rows(chatId)).toEqual([
      {
        role: 'user',
        content: 'one two three four',
        status: 'complete',
        prompt_tokens: null,
        completion_tokens: null,
      },
      {
        role: 'assistant',
        content: 'Echo: one',
        status: 'error',
        prompt_tokens: prompt,
        completion_tokens: completion,
      },
    ]);
    expect(settle.mock.calls).toEqual([
      [
        {
          promptTokens: prompt,
          completionTokens: completion,
          charged: true,
          model: 'gpt-test',
          cost: 0,
        },
        expect.anything(),
      ],
    ]);
  });

  it('reports an error chunk mid-answer as an error event', async () => {
    const chatId = await newChat();
    const res = await send(chatId, 'alpha beta [fake:error-chunk]');
    expect(names(res)).toEqual(['user_message', 'delta', 'delta', 'error']);
    expect(res.events[3].data.code).toBe('AI_PROVIDER_ERROR');
    expect(res.events[3].data.message).toContain('broke mid-answer');
    expect((await rows(chatId))[1]).toMatchObject({
      status: 'error',
      content: 'Echo: alpha',
    });
  });

  it('completes the answer with the reported usage when the provider drops the connection after its usage chunk', async () => {
    const chatId = await newChat();
    fake.usage = { prompt_tokens: 21, completion_tokens: 4 };
    const res = await send(chatId, 'alpha beta [fake:drop-after-usage]');
    expect(res.status).toBe(200);
    expect(names(res).at(-1)).toBe('done');
    expect(res.events.at(-1)?.data.usage).toEqual({
      prompt_tokens: 21,
      completion_tokens: 4,
      total_tokens: 25,
      cost: 0,
    });
    expect((await rows(chatId))[1]).toMatchObject({
      status: 'complete',
      prompt_tokens: 21,
      completion_tokens: 4,
    });
    expect(settle.mock.calls).toEqual([
      [
        {
          promptTokens: 21,
          completionTokens: 4,
          charged: true,
          model: 'gpt-test',
          cost: 0,
        },
        expect.anything(),
      ],
    ]);
  });

  it('aborts upstream when the client goes away mid-stream, and stores the answer as cancelled with its tokens', async () => {
    const chatId = await newChat();
    fake.setMode('slow');
    fake.delayMs = 60;
    fake.reply = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const res = await send(chatId, 'talk slowly', { abortAfterDeltas: 1 });
    expect(res.aborted).toBe(true);
    expect(names(res)).toEqual(['user_message', 'delta']);

    await fake.waitFor(() => fake.aborted === 1 && fake.open === 0);
    const answer = await eventually(async () => (await rows(chatId))[1]);
    expect(answer.status).toBe('cancelled');
    expect(fake.reply.startsWith(answer.content)).toBe(true);
    expect(answer.content.length).toBeGreaterThan(0);
    expect(answer.content.length).toBeLessThan(fake.reply.length);
    const prompt = tokens.countMessages(
      fake.requests[0].body.messages as never,
    );
    expect(answer.prompt_tokens).toBe(prompt);
    expect(answer.completion_tokens).toBe(tokens.countText(answer.content));

    await eventually(async () => settle.mock.calls.length === 1);
    expect(settle.mock.calls[0][0]).toEqual({
      promptTokens: prompt,
      completionTokens: answer.completion_tokens,
      charged: true,
      model: 'gpt-test',
      cost: 0,
    });
    expect(fake.completed).toBe(0);
    await eventually(
      async () =>
        (await db(`SELECT count(*)::int AS n FROM stream_slots`))[0].n === 0,
    );
  });

  it('gives back the slot and the reservation when the client leaves before any text', async () => {
    const chatId = await newChat();
    fake.setMode('hang');
    const controller = new AbortController();
    const pending = fetch(`${t.url}/api/chats/${chatId}/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${user.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ content: 'never mind' }),
      signal: controller.signal,
    }).catch(() => null);
    await fake.waitFor(() => fake.open === 1);
    controller.abort();
    await pending;
    await fake.waitFor(() => fake.aborted === 1 && fake.open === 0);
    const answer = await eventually(async () => (await rows(chatId))[1]);
    expect(answer).toMatchObject({
      status: 'cancelled',
      content: '',
      completion_tokens: 0,
    });
    await eventually(async () => settle.mock.calls.length === 1);
    expect(settle.mock.calls[0][0]).toMatchObject({
      completionTokens: 0,
      charged: true,
      model: 'gpt-test',
      cost: 0,
    });
    await eventually(
      async () =>
        (await db(`SELECT count(*)::int AS n FROM stream_slots`))[0].n === 0,
    );
  });

  it('finishes and charges an answer whose chat is deleted while it streams, storing nothing', async () => {
    const chatId = await newChat();
    const before = (await t.http.get('/api/chats/quota', { token: user.token }))
      .body;
    fake.setMode('slow');
    fake.delayMs = 30;
    fake.reply = 'one two three four five six';
    let deleted: Promise<number> | null = null;
    const res = await send(chatId, 'hello', {
      onEvent: (e) => {
        if (e.event === 'delta' && !deleted) {
          deleted = t.http
            .delete(`/api/chats/${chatId}`, { token: user.token })
            .then((d) => d.status);
        }
      },
    });
    expect(await deleted).toBe(204);
    expect(names(res).at(-1)).toBe('done');
    expect(res.events.at(-1)?.data.assistant_message).toMatchObject({
      chat_id: chatId,
      content: 'one two three four five six',
      status: 'complete',
    });
    expect(await rows(chatId)).toEqual([]);
    expect(settle.mock.calls).toEqual([
      [expect.objectContaining({ charged: true }), expect.anything()],
    ]);
    // Deleting a chat never gives quota back.
    const after = (await t.http.get('/api/chats/quota', { token: user.token }))
      .body;
    expect(after.messages.used).toBe(before.messages.used + 1);
    expect(after.tokens.used).toBe(
      before.tokens.used + res.events.at(-1)?.data.usage.total_tokens,
    );
    expect(await db(`SELECT count(*)::int AS n FROM stream_slots`)).toEqual([
      { n: 0 },
    ]);
  });

  it('refuses bad input with 400 and stores nothing', async () => {
    const chatId = await newChat();
    const cases: Array<{ raw?: string; body?: unknown; id?: string }> = [
      { body: { content: '' } },
      { body: { content: '   \n\t ' } },
      { body: { content: 'x'.repeat(32001) } },
      { body: { content: 42 } },
      { body: { content: ['a'] } },
      { body: { content: null } },
      { body: {} },
      { body: { content: 'hi', extra: true } },
      { raw: '{"content": "hi"' },
      { raw: '"just a string"' },
      { body: { content: 'hi' }, id: 'not-a-uuid' },
      { body: { content: 'hi' }, id: '123' },
    ];
    for (const c of cases) {
      const res = await sendMessage(t.url, user.token, c.id ?? chatId, c.body, {
        raw: c.raw,
      });
      expect({ case: c.raw ?? c.body, id: c.id, status: res.status }).toEqual({
        case: c.raw ?? c.body,
        id: c.id,
        status: 400,
      });
      expect(res.body.statusCode).toBe(400);
    }
    const extra = await send(chatId, 'hi', {
      raw: JSON.stringify({ content: 'hi', extra: true }),
    });
    expect(extra.body.message).toEqual(['property extra should not exist']);
    const blank = await send(chatId, '  ');
    expect(blank.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      error: 'Bad Request',
    });
    expect(blank.body.message).toEqual(['content must not be only whitespace']);

    expect(
      await db(
        `SELECT count(*)::int AS n FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.user_id = $1`,
        [user.id],
      ),
    ).toEqual([{ n: 0 }]);
    expect(reserve).not.toHaveBeenCalled();
    expect(fake.requests).toHaveLength(0);
    // 32000 characters is still fine.
    expect(
      (await send(chatId, 'y'.repeat(32000), { query: '?stream=false' }))
        .status,
    ).toBe(200);
  });

  it("answers 404 for another user's chat on every route, and changes nothing", async () => {
    const chatId = await newChat(user.token, 'Mine');
    await send(chatId, 'private words', { query: '?stream=false' });
    const other = await t.register();
    const token = other.token;
    expect((await t.http.get(`/api/chats/${chatId}`, { token })).status).toBe(
      404,
    );
    expect(
      (
        await t.http.patch(
          `/api/chats/${chatId}`,
          { title: 'Stolen' },
          { token },
        )
      ).status,
    ).toBe(404);
    expect(
      (await t.http.delete(`/api/chats/${chatId}`, { token })).status,
    ).toBe(404);
    const sendRes = await send(chatId, 'hello', {}, token);
    expect(sendRes.status).toBe(404);
    expect(sendRes.body.code).toBe('NOT_FOUND');
    const missing = await send(
      '00000000-0000-4000-8000-000000000000',
      'hello',
      {},
      token,
    );
    expect(missing.status).toBe(404);
    expect((await t.http.get('/api/chats', { token })).body.items).toEqual([]);

    const mine = await t.http.get(`/api/chats/${chatId}`, {
      token: user.token,
    });
    expect(mine.body.title).toBe('Mine');
    expect(mine.body.messages).toHaveLength(2);
    expect(reserve).toHaveBeenCalledTimes(1);
  });

  it('observes first-token latency, answer duration and tokens', async () => {
    const chatId = await newChat();
    await send(chatId, 'measure me');
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(
      /tally_ai_first_token_seconds_count\{provider="openai"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /tally_ai_answer_seconds_count\{provider="openai",status="complete"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /tally_ai_tokens_total\{provider="openai",kind="completion"\} [1-9]/,
    );
  });

  it('documents the send in OpenAPI: stream query, event stream, JSON and error answers', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    const op = doc.paths['/api/chats/{id}/messages'].post;
    expect(Object.keys(op.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '404',
      '415',
      '429',
      '502',
      '503',
      '504',
    ]);
    expect(Object.keys(op.responses['200'].content).sort()).toEqual([
      'application/json',
      'text/event-stream',
    ]);
    expect(
      op.parameters.find((p: { name: string }) => p.name === 'stream'),
    ).toMatchObject({ in: 'query', required: false });
    expect(op.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/chats/quota'].get.responses['200']).toBeDefined();
  });

  describe('concurrent answers per user', () => {
    let admin: string;
    const setMax = async (n: number) => {
      const res = await t.http.patch(
        '/api/admin/settings',
        { max_concurrent_streams_per_user: n },
        { token: admin },
      );
      expect(res.status).toBe(200);
    };
    beforeAll(async () => {
      admin = await t.login();
    });
    afterAll(() => setMax(3));

    it('refuses one stream more than max_concurrent_streams_per_user with 429 TOO_MANY_STREAMS, before charging', async () => {
      await setMax(2);
      const chatId = await newChat();
      fake.setMode('slow');
      fake.delayMs = 40;
      fake.reply = 'one two three four five six';
      const results = await Promise.all(
        [1, 2, 3].map((n) => send(chatId, `stream ${n}`)),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 429]);
      const [refused] = results.filter((r) => r.status === 429);
      expect(refused.contentType).toContain('application/json');
      const quotaAnswer = await t.http.get('/api/chats/quota', {
        token: user.token,
      });
      expect(refused.headers.get('ratelimit-policy')).toBe(
        quotaAnswer.headers.get('ratelimit-policy'),
      );
      expect(refused.body).toMatchObject({
        statusCode: 429,
        code: 'TOO_MANY_STREAMS',
      });
      for (const ok of results.filter((r) => r.status === 200))
        expect(names(ok).at(-1)).toBe('done');
      // Nothing was reserved or stored for the refused one (its slot and
      // its reservation are one statement: it was asked, and reserved nothing).
      const reserved = await Promise.allSettled(reservations());
      expect(reserved.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(settle).toHaveBeenCalledTimes(2);
      expect(await rows(chatId)).toHaveLength(4);
      expect(await db(`SELECT count(*)::int AS n FROM stream_slots`)).toEqual([
        { n: 0 },
      ]);

      // After they ended, a new send is admitted.
      fake.setMode('normal');
      expect((await send(chatId, 'again')).status).toBe(200);
      const metrics = (await t.http.get('/metrics')).text;
      expect(metrics).toMatch(
        /tally_quota_rejections_total\{code="TOO_MANY_STREAMS"\} [1-9]/,
      );
    });

    it('admits the next send as soon as the done event of the last one arrived', async () => {
      await setMax(1);
      const chatId = await newChat();
      for (let n = 0; n < 4; n++) {
        const res = await send(chatId, `in a row ${n}`);
        expect(res.status).toBe(200);
        expect(names(res).at(-1)).toBe('done');
      }
      // While one answer is in progress (40 pieces, 50 ms apart), a second is refused...
      fake.setMode('slow');
      fake.delayMs = 50;
      fake.reply = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
      const other = await t.register();
      const otherChat = await newChat(other.token);
      const first = send(chatId, 'slow one');
      await fake.waitFor(() => fake.open === 1);
      expect((await send(chatId, 'second at once')).status).toBe(429);
      // ...but other users are not limited by this user's answers.
      expect((await send(otherChat, 'mine', {}, other.token)).status).toBe(200);
      expect((await first).status).toBe(200);
    });

    it('keeps the slot of a long answer alive past the TTL on the heartbeat', async () => {
      await setMax(1);
      const chatId = await newChat();
      fake.setMode('slow');
      fake.delayMs = 20;
      // 26 pieces of one token each: all within the output cap. The answer
      // stays in progress (held) until the test lets it end.
      fake.reply = Array.from({ length: 26 }, () => 'word').join(' ');
      fake.held = true;
      const long = send(chatId, 'a long answer');
      await fake.waitFor(() => fake.open === 1);
      const slot = () =>
        db(`SELECT expires_at FROM stream_slots WHERE user_id = $1`, [user.id]);
      const [first] = await slot();
      // Until the database's clock is past the slot's first expiry (the 2 s TTL).
      await eventually(
        async () =>
          (
            await db(`SELECT now() > $1::timestamptz AS past`, [
              first.expires_at,
            ])
          )[0].past,
      );
      // Past the TTL the slot is still held: renewed, not expired.
      const [later] = await slot();
      expect(later.expires_at.getTime()).toBeGreaterThan(
        first.expires_at.getTime(),
      );
      expect((await send(chatId, 'while it streams')).status).toBe(429);
      expect(fake.open).toBe(1);
      fake.held = false;
      const res = await long;
      expect(names(res).at(-1)).toBe('done');
      expect(await slot()).toEqual([]);
    });

    it('takes over the slot of a process that died (expired)', async () => {
      await setMax(1);
      const chatId = await newChat();
      await db(
        `INSERT INTO stream_slots (user_id, slot, id, expires_at) VALUES ($1, 1, gen_random_uuid(), now() + interval '1 minute')`,
        [user.id],
      );
      expect((await send(chatId, 'blocked')).status).toBe(429);
      await db(
        `UPDATE stream_slots SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
        [user.id],
      );
      expect((await send(chatId, 'admitted')).status).toBe(200);
      expect(
        await db(
          `SELECT count(*)::int AS n FROM stream_slots WHERE user_id = $1`,
          [user.id],
        ),
      ).toEqual([{ n: 0 }]);
    });
  });
});
