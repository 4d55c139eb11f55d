import { sendMessage, type SendResult } from '../support/chat-stream';
import { until } from './support/api-process';
import { type Cluster, startCluster } from './support/cluster';

/**
 * The bounded SIGTERM drain (API.md "Operations"): the API stops taking
 * requests, lets answers in progress go on for SHUTDOWN_GRACE_SECONDS, then
 * cuts the rest (stored `cancelled`, charged what they used) and exits 0.
 */
describe('SIGTERM drain with a grace time', () => {
  let c: Cluster;

  beforeAll(async () => {
    c = await startCluster({
      SHUTDOWN_GRACE_SECONDS: '2',
      QUOTA_HOLD_TTL_SECONDS: '3',
      QUOTA_HOLD_HEARTBEAT_SECONDS: '1',
    });
  });
  afterAll(() => c?.close());

  it('cuts an answer still going at the grace time, stores it cancelled and charged, and exits 0', async () => {
    const p = await c.start('P', 60_000);
    const u = await c.newUser(p);
    const chat = await c.newChat(p, u.token);
    // 200 words 100 ms apart: far longer than the 2 s grace time.
    c.fake.setMode('slow');
    c.fake.delayMs = 100;
    c.fake.reply = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');

    let started: () => void = () => undefined;
    const streaming = new Promise<void>((r) => (started = r));
    const answer: Promise<SendResult> = sendMessage(
      p.url,
      u.token,
      chat,
      { content: 'a very long one' },
      { onEvent: (e) => e.event === 'delta' && started() },
    );
    await streaming;

    const stopping = p.stop(60_000);
    await until(
      'P refusing new connections',
      () => p.accepting(),
      (accepting) => !accepting,
    );
    expect(await stopping).toEqual({ code: 0, signal: null });

    // The answer was cut, not finished: it ends with `done` for a cancelled answer.
    const result = await answer;
    const done = result.events.at(-1);
    expect(done?.event).toBe('done');
    const stored = done?.data.assistant_message;
    expect(stored.status).toBe('cancelled');
    expect(stored.content.length).toBeGreaterThan(0);
    expect(c.fake.reply.startsWith(stored.content)).toBe(true);
    expect(stored.content.length).toBeLessThan(c.fake.reply.length);
    expect(stored.completion_tokens).toBeGreaterThan(0);
    expect(c.fake.aborted).toBe(1);

    // Stored as cancelled, charged what it used, nothing left held.
    expect(await c.storedMessages(u.id)).toEqual([
      { role: 'assistant', status: 'cancelled' },
      { role: 'user', status: 'complete' },
    ]);
    const tokens = await c.expectSettled(u.id, 1);
    expect(tokens).toBe(stored.prompt_tokens + stored.completion_tokens);
    expect(await c.holds(u.id)).toEqual([]);
  });
});
