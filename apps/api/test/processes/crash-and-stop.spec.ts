import { sendMessage, type SendResult } from '../support/chat-stream';
import { type ApiProcess, until } from './support/api-process';
import { type Cluster, twoProcessesPerFile } from './support/cluster';

const TOKENS_LIMIT = 500000;

/** A streamed answer under way: `done` once its `done` event arrived, `result` when it ends, however. */
interface Answer {
  done: boolean;
  result: Promise<SendResult | { error: string }>;
}

/**
 * What a send holds (a quota hold and a stream slot) does not outlive its
 * answer, whatever happens to the API process serving it: a SIGKILLed
 * process's holds are released by another process's heartbeat once they
 * expire; a SIGTERMed one finishes its answers, keeps holding what they
 * hold until then, settles them and exits with code 0.
 */
describe('API processes killed and stopped', () => {
  const processes = twoProcessesPerFile();
  let c: Cluster;
  let a: ApiProcess;
  let b: ApiProcess;

  beforeAll(async () => {
    ({ c, a, b } = processes);
    // One answer at a time: a send that is admitted proves the slot free.
    await c.setSettings({ max_concurrent_streams_per_user: 1 }, [a, b]);
  });

  /** Starts a send on `p`; resolves once the first piece of the answer arrived (or the send ended). */
  async function startAnswer(
    p: ApiProcess,
    token: string,
    chat: string,
    content: string,
  ): Promise<Answer> {
    let answering: () => void = () => undefined;
    const answered = new Promise<void>((r) => (answering = r));
    const answer: Answer = {
      done: false,
      result: sendMessage(
        p.url,
        token,
        chat,
        { content },
        {
          onEvent: (e) => {
            if (e.event === 'delta') answering();
            if (e.event === 'done') answer.done = true;
          },
        },
      ).catch((err: Error) => ({ error: String(err) })),
    };
    await Promise.race([answered, answer.result]);
    return answer;
  }

  const quotaOn = async (p: ApiProcess, token: string) =>
    (await c.http(p).get('/api/chats/quota', { token })).body;

  it("releases a SIGKILLed process's quota hold and stream slot through the other process's heartbeat", async () => {
    const u = await c.newUser(a);
    const chat = await c.newChat(a, u.token);

    // The answer stalls after its first word: it is in progress on A when A dies.
    const answer = await startAnswer(a, u.token, chat, '[fake:stall] hi');
    expect(await a.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await answer.result).toHaveProperty('error');

    // Right after: still held, in the database and in the quota B reports.
    const [hold, ...more] = await c.holds(u.id);
    expect(more).toEqual([]);
    expect(hold).toMatchObject({ released: false });
    expect(hold.tokens).toBeGreaterThan(0);
    expect((await c.slots(u.id)).map((s) => s.slot)).toEqual([1]);
    const held = await quotaOn(b, u.token);
    expect(held.messages.used).toBe(1);
    expect(held.tokens).toEqual({
      used: 0,
      limit: TOKENS_LIMIT,
      remaining: TOKENS_LIMIT - hold.tokens,
    });

    // Once they expire, B's heartbeat releases them: nothing was charged.
    await until(
      "the dead process's hold and slot released",
      async () => ({
        quota: await quotaOn(b, u.token),
        holds: await c.holds(u.id),
        slots: await c.slots(u.id),
      }),
      (s) =>
        s.quota.messages.used === 0 &&
        s.quota.tokens.remaining === TOKENS_LIMIT &&
        s.holds.every((h) => h.released) &&
        s.slots.every((slot) => !slot.live),
      20_000,
    );
    expect(b.output()).toContain('Released 1 expired quota hold(s)');
    expect(await c.counters(u.id)).toEqual({
      messages: 0,
      held_messages: 0,
      tokens: 0,
      held_tokens: 0,
    });

    // The user can send again through B: the only slot and the quota are free.
    const again = await sendMessage(b.url, u.token, chat, { content: 'again' });
    expect(again.status).toBe(200);
    expect(again.events.at(-1)?.event).toBe('done');
    expect(await c.slots(u.id)).toEqual([]);
    await c.expectSettled(u.id, 1);
  });

  it('exits with code 0 on SIGTERM when idle', async () => {
    expect(await b.stop()).toEqual({ code: 0, signal: null });
  });

  it('finishes an answer in progress on SIGTERM, holding its slot and quota until it ends, and leaves nothing held', async () => {
    const p = await c.start('P');
    const q = await c.start('Q');
    const u = await c.newUser(p);
    const chat = await c.newChat(p, u.token);
    const other = await c.newChat(p, u.token);
    // 40 words 100 ms apart: the answer outlasts the hold TTL (3 s).
    c.fake.setMode('slow');
    c.fake.delayMs = 100;
    c.fake.reply = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

    const answer = await startAnswer(p, u.token, chat, 'a long one');
    const stopping = p.stop();
    // P has begun to stop once it accepts no more connections.
    await until(
      'P refusing new connections',
      () => p.accepting(),
      (accepting) => !accepting,
    );

    // While P finishes the answer, it still holds its slot: Q refuses a second one.
    const meanwhile = await sendMessage(q.url, u.token, other, {
      content: 'meanwhile',
    });
    expect([meanwhile.status, meanwhile.body?.code]).toEqual([
      429,
      'TOO_MANY_STREAMS',
    ]);
    expect(answer.done).toBe(false);
    expect(await c.slots(u.id)).toEqual([{ slot: 1, live: true }]);

    // The answer completes, P exits with code 0, and Q never had to reap the hold.
    expect(await stopping).toEqual({ code: 0, signal: null });
    const result = (await answer.result) as SendResult;
    expect(result.events.at(-1)?.event).toBe('done');
    expect(result.events.at(-1)?.data.assistant_message.status).toBe(
      'complete',
    );
    expect(q.output()).not.toContain('expired quota hold');

    // After a restart nothing is held and the counters agree with what is stored.
    const restarted = await c.start('P again');
    expect(await c.holds(u.id)).toEqual([]);
    expect(await c.slots(u.id)).toEqual([]);
    const chargedTokens = await c.expectSettled(u.id, 1);
    expect(await quotaOn(restarted, u.token)).toMatchObject({
      messages: { used: 1 },
      tokens: {
        used: chargedTokens,
        remaining: TOKENS_LIMIT - chargedTokens,
      },
    });
    c.fake.setMode('normal');
    const next = await sendMessage(restarted.url, u.token, chat, {
      content: 'after the restart',
    });
    expect(next.status).toBe(200);
  });
});
