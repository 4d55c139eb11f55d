import type { FakeOpenAi } from '../support/fake-openai-server';
import { startWithFakeAi } from '../support/fake-ai-app';
import type { TestApp } from '../support/test-app';

/**
 * A client of `POST /v1/chat/completions` that leaves before its answer is
 * whole: the provider's request is aborted, the request is logged
 * `cancelled` and charged what was used, and its stream slot is free again.
 * One that stays to the end is never taken for gone.
 */
describe('OpenAI-compatible gateway: a client that leaves', () => {
  let t: TestApp;
  let fake: FakeOpenAi;
  let close: () => Promise<void>;
  let model: string;

  beforeAll(async () => {
    ({ t, fake, close } = await startWithFakeAi());
    const admin = await t.login();
    model = (await t.http.get('/api/models', { token: admin })).body
      .default_model;
  });
  afterAll(() => close?.());
  beforeEach(() => fake.reset());

  /** A user with a key; returns the key and its owner's id. */
  const keyOfNewUser = async () => {
    const u = await t.register();
    const res = await t.http.post(
      '/api/auth/api-keys',
      { name: 'svc' },
      { token: u.token },
    );
    expect(res.status).toBe(201);
    return { id: u.id, key: res.body.key as string };
  };

  /** A completion of `content` (by default one the fake stalls in). */
  const start = (
    key: string,
    stream: boolean,
    signal?: AbortSignal,
    content = '[fake:stall] tell me more',
  ) =>
    fetch(`${t.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model,
        stream,
        messages: [{ role: 'user', content }],
      }),
      signal,
    });

  /** The user's log rows, once there are `n`, and their live stream slots. */
  const settled = async (userId: string, n: number) => {
    let rows: Array<{ status: string; completion_tokens: number | null }> = [];
    for (let i = 0; i < 100 && rows.length < n; i++) {
      rows = await t.query(
        `SELECT status, completion_tokens FROM gateway_requests WHERE user_id = $1`,
        [userId],
      );
      if (rows.length < n) await new Promise((r) => setTimeout(r, 50));
    }
    const [slots] = await t.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM stream_slots WHERE user_id = $1`,
      [userId],
    );
    return { rows, slots: slots.n };
  };

  it('aborts upstream and logs a streamed completion cancelled, charged its first piece', async () => {
    const { id, key } = await keyOfNewUser();
    const client = new AbortController();
    const res = await start(key, true, client.signal);
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    if (!reader) throw new Error('a streamed answer without a body');
    // The role chunk and the one piece the stalled provider sent.
    let seen = '';
    while (!seen.includes('"content":"') || !/content":"[^"]/.test(seen))
      seen += new TextDecoder().decode((await reader.read()).value);
    client.abort();
    await fake.waitFor(() => fake.aborted === 1, 5000);
    const { rows, slots } = await settled(id, 1);
    expect(rows).toEqual([
      { status: 'cancelled', completion_tokens: expect.any(Number) },
    ]);
    expect(rows[0].completion_tokens).toBeGreaterThan(0);
    expect(slots).toBe(0);
  });

  it('aborts upstream and logs a non-streamed completion cancelled when its client leaves while waiting', async () => {
    const { id, key } = await keyOfNewUser();
    const client = new AbortController();
    const pending = start(key, false, client.signal).catch((err: Error) => err);
    await fake.waitFor(() => fake.open === 1, 5000);
    client.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await fake.waitFor(() => fake.aborted === 1, 5000);
    const { rows, slots } = await settled(id, 1);
    expect(rows.map((r) => r.status)).toEqual(['cancelled']);
    expect(slots).toBe(0);
  });

  it('logs a completion whose client stayed to the end complete, on a kept-alive connection', async () => {
    const { id, key } = await keyOfNewUser();
    for (const stream of [false, true]) {
      const res = await start(key, stream, undefined, 'hello');
      expect(res.status).toBe(200);
      await res.text();
    }
    const { rows, slots } = await settled(id, 2);
    expect(rows.map((r) => r.status)).toEqual(['complete', 'complete']);
    expect(fake.aborted).toBe(0);
    expect(slots).toBe(0);
  });
});
