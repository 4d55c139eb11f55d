import { TokenCounter } from '../../src/modules/ai';
import { eventually, sendMessage } from '../support/chat-stream';
import { type FakeAiApp, startWithFakeAi } from '../support/fake-ai-app';
import type { FakeOpenAi } from '../support/fake-openai-server';
import type { TestApp } from '../support/test-app';

const tokens = new TokenCounter();

describe('sending messages on embedded PGlite', () => {
  let fake: FakeOpenAi;
  let t: TestApp;
  let token: string;
  const chat = async (id: string) =>
    (await t.http.get(`/api/chats/${id}`, { token })).body;

  let app: FakeAiApp;

  beforeAll(async () => {
    app = await startWithFakeAi({
      embedded: true,
      // No test here waits for the time-out: a long one, so that a loaded
      // machine's pauses are not taken for a silent provider.
      env: { AI_API_KEY: 'sk-test-secret', AI_TIMEOUT_MS: '10000' },
    });
    ({ t, fake } = app);
    ({ token } = await t.register());
  }, 180_000);
  afterAll(() => app?.close());
  beforeEach(() => fake.reset());

  it('streams, answers JSON with the history, and stores both messages', async () => {
    const id = await t.newChat(token);

    const streamed = await sendMessage(t.url, token, id, {
      content: 'hello there',
    });
    expect(streamed.status).toBe(200);
    expect(streamed.events.map((e) => e.event)).toEqual([
      'user_message',
      'delta',
      'delta',
      'delta',
      'done',
    ]);
    expect(streamed.events.at(-1)?.data.usage).toEqual({
      prompt_tokens: 6,
      completion_tokens: 3,
      total_tokens: 9,
      cost: 0,
    });

    const json = await sendMessage(
      t.url,
      token,
      id,
      { content: 'and again' },
      { query: '?stream=false' },
    );
    expect(json.status).toBe(200);
    expect(json.body.assistant_message).toMatchObject({
      content: 'Echo: and again',
      status: 'complete',
    });
    expect(fake.requests[1].body.messages).toEqual([
      { role: 'user', content: 'hello there' },
      { role: 'assistant', content: 'Echo: hello there' },
      { role: 'user', content: 'and again' },
    ]);

    const stored = await chat(id);
    expect(stored.title).toBe('hello there');
    expect(
      stored.messages.map(
        (m: { role: string; content: string; status: string }) => [
          m.role,
          m.content,
          m.status,
        ],
      ),
    ).toEqual([
      ['user', 'hello there', 'complete'],
      ['assistant', 'Echo: hello there', 'complete'],
      ['user', 'and again', 'complete'],
      ['assistant', 'Echo: and again', 'complete'],
    ]);
    expect(
      (await t.http.get('/api/chats', { token })).body.items.map(
        (c: { id: string }) => c.id,
      ),
    ).toEqual([id]);
  });

  it('pages the chat list by cursor on the embedded database too', async () => {
    const { token: own } = await t.register();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await t.newChat(own, `Chat ${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query = `?limit=2${cursor ? `&before=${cursor}` : ''}`;
      const res = await t.http.get(`/api/chats${query}`, { token: own });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((c: { id: string }) => c.id));
      cursor = res.body.next_cursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([...ids].reverse());
  });

  it('keeps the 502 status before any text and stores the answer as error', async () => {
    const id = await t.newChat(token, 'Failing');
    fake.setMode('fail');
    const res = await sendMessage(t.url, token, id, {
      content: 'fail please',
    });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('AI_PROVIDER_ERROR');
    expect(
      (await chat(id)).messages.map(
        (m: { status: string; content: string }) => [m.status, m.content],
      ),
    ).toEqual([
      ['complete', 'fail please'],
      ['error', ''],
    ]);
  });

  it('stores a cancelled answer when the client goes away, and frees the slot', async () => {
    const id = await t.newChat(token);
    fake.setMode('slow');
    fake.delayMs = 40;
    fake.reply = 'a b c d e f g h i j k l m n o p';
    const res = await sendMessage(
      t.url,
      token,
      id,
      { content: 'go slowly' },
      { abortAfterDeltas: 1 },
    );
    expect(res.aborted).toBe(true);
    await fake.waitFor(() => fake.aborted === 1);
    const answer = await eventually(async () => (await chat(id)).messages[1]);
    expect(answer.status).toBe('cancelled');
    expect(answer.completion_tokens).toBe(tokens.countText(answer.content));
    expect(answer.prompt_tokens).toBe(
      tokens.countMessages([{ role: 'user', content: 'go slowly' }]),
    );
    fake.setMode('normal');
    expect(
      (await sendMessage(t.url, token, id, { content: 'next' })).status,
    ).toBe(200);
  });

  it('caps concurrent answers per user', async () => {
    const admin = await t.login();
    expect(
      (
        await t.http.patch(
          '/api/admin/settings',
          { max_concurrent_streams_per_user: 1 },
          { token: admin },
        )
      ).status,
    ).toBe(200);
    const id = await t.newChat(token);
    fake.setMode('slow');
    fake.delayMs = 30;
    fake.reply = 'one two three four';
    // The admitted answer stays in progress until all three sends are decided.
    fake.held = true;
    let finished = 0;
    const sends = [1, 2, 3].map((n) =>
      sendMessage(t.url, token, id, { content: `at once ${n}` }).finally(
        () => finished++,
      ),
    );
    await fake.waitFor(() => finished + fake.open === 3);
    fake.held = false;
    const results = await Promise.all(sends);
    expect(results.map((r) => r.status).sort()).toEqual([200, 429, 429]);
    expect(
      results.filter((r) => r.status === 429).map((r) => r.body.code),
    ).toEqual(['TOO_MANY_STREAMS', 'TOO_MANY_STREAMS']);
    expect((await chat(id)).messages).toHaveLength(2);
    expect(
      (await sendMessage(t.url, token, id, { content: 'after' })).status,
    ).toBe(200);
  });
});
