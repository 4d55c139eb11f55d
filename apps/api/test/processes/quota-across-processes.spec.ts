import { sendMessage, type SendResult } from '../support/chat-stream';
import { type ApiProcess, until } from './support/api-process';
import { type Cluster, twoProcessesPerFile } from './support/cluster';

/**
 * The quota and the stream cap hold across two separate OS processes of the
 * built API on one PostgreSQL database: each check and charge is one atomic
 * statement in the database, not something a process keeps in memory.
 */
describe('two API processes on one database', () => {
  const processes = twoProcessesPerFile();
  let c: Cluster;
  let a: ApiProcess;
  let b: ApiProcess;
  beforeAll(() => ({ c, a, b } = processes));

  it('admits exactly the 5 messages left of 30 concurrent sends split between them', async () => {
    await c.setSettings({ max_concurrent_streams_per_user: 100 }, [a, b]);
    const u = await c.newUser(a, 5);
    const chat = await c.newChat(a, u.token);

    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        sendMessage([a, b][i % 2].url, u.token, chat, {
          content: `at once ${i}`,
        }),
      ),
    );

    const admitted = results.filter((r) => r.status === 200);
    expect(admitted).toHaveLength(5);
    for (const r of admitted)
      expect(r.events.map((e) => e.event)).toContain('done');
    expect(
      results.filter((r) => r.status === 429).map((r) => r.body.code),
    ).toEqual(Array(25).fill('QUOTA_MESSAGES_EXCEEDED'));
    expect(c.fake.requests).toHaveLength(5);

    // The counters agree with what is stored, recounted from the messages table.
    const chargedTokens = await c.expectSettled(u.id, 5);
    expect(await c.storedMessages(u.id)).toEqual([
      ...Array(5).fill({ role: 'assistant', status: 'complete' }),
      ...Array(5).fill({ role: 'user', status: 'complete' }),
    ]);
    expect(await c.holds(u.id)).toEqual([]);
    expect(await c.slots(u.id)).toEqual([]);
    for (const p of [a, b]) {
      const quota = await c.http(p).get('/api/chats/quota', { token: u.token });
      expect([p.name, quota.body.messages]).toEqual([
        p.name,
        { used: 5, limit: 5, remaining: 0 },
      ]);
      expect([p.name, quota.body.tokens.used]).toEqual([p.name, chargedTokens]);
    }
  });

  it('admits exactly 2 of 6 concurrent streams split between them with max_concurrent_streams_per_user 2', async () => {
    await c.setSettings({ max_concurrent_streams_per_user: 2 }, [a, b]);
    const u = await c.newUser(a);
    const chats: string[] = [];
    for (let i = 0; i < 6; i++) chats.push(await c.newChat(a, u.token));
    // Admitted answers stall after their first word until their client leaves,
    // so all six sends are decided while the admitted ones are in progress.
    c.fake.setMode('stall');
    const clients = chats.map(() => new AbortController());
    const responses = await Promise.all(
      chats.map((chat, i) =>
        fetch(`${[a, b][i % 2].url}/api/chats/${chat}/messages`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${u.token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ content: `stream ${i}` }),
          signal: clients[i].signal,
        }),
      ),
    );

    const admitted = responses.flatMap((r, i) => (r.status === 200 ? [i] : []));
    expect(admitted).toHaveLength(2);
    const refusals = await Promise.all(
      responses.filter((r) => r.status === 429).map((r) => r.json()),
    );
    expect(refusals.map((body) => body.code)).toEqual(
      Array(4).fill('TOO_MANY_STREAMS'),
    );
    // Refused before anything was charged or sent upstream.
    expect(c.fake.requests).toHaveLength(2);
    expect(await c.counters(u.id)).toMatchObject({
      messages: 0,
      held_messages: 2,
    });
    expect((await c.slots(u.id)).map((s) => s.slot)).toEqual([1, 2]);

    // Once their clients leave, both answers end: charged what they used, slots free.
    for (const i of admitted) clients[i].abort();
    const after = await until(
      'both cut answers settled and their slots released',
      async () => ({
        counters: await c.counters(u.id),
        slots: await c.slots(u.id),
      }),
      (s) => s.counters.held_messages === 0 && s.slots.length === 0,
    );
    expect(after.counters).toEqual({
      messages: 2,
      held_messages: 0,
      tokens: (await c.charged(u.id)).tokens,
      held_tokens: 0,
    });
    expect(
      (await c.storedMessages(u.id)).filter((m) => m.role === 'assistant'),
    ).toEqual(Array(2).fill({ role: 'assistant', status: 'cancelled' }));

    // And the cap is free again on both processes.
    c.fake.setMode('normal');
    for (const p of [a, b]) {
      const r: SendResult = await sendMessage(p.url, u.token, chats[0], {
        content: `after, on ${p.name}`,
      });
      expect([p.name, r.status]).toEqual([p.name, 200]);
    }
  });
});
