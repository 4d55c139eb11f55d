import { expectAccountingBalanced } from '../support/accounting';
import { sendMessage } from '../support/chat-stream';
import type { TestApp } from '../support/test-app';
import { addGroup, addLimit } from '../support/limits';
import { type ApiProcess, until } from './support/api-process';
import { type Cluster, twoProcessesPerFile } from './support/cluster';

/**
 * Every limit of a send in one atomic step, across two OS processes of the
 * built API on one PostgreSQL database (issue 9): a group's shared pool
 * admits exactly what is left, and a process killed while it holds on many
 * counters leaves every one of them whole once the holds expire.
 */
describe('limits across API processes', () => {
  const processes = twoProcessesPerFile();
  let c: Cluster;
  let a: ApiProcess;
  let b: ApiProcess;
  beforeAll(() => ({ c, a, b } = processes));
  /** What the limit helpers need of a TestApp: its queries. */
  const db = () => ({ query: c.query }) as unknown as TestApp;

  it("admits exactly 5 of 30 concurrent sends of two members to their group's pool of 5, split between the processes", async () => {
    await c.setSettings({ max_concurrent_streams_per_user: 100 }, [a, b]);
    const ann = await c.newUser(a);
    const bob = await c.newUser(a);
    const group = await addGroup(db(), 'Research', [ann.id, bob.id]);
    const pool = await addLimit(db(), {
      subject: 'group',
      subject_id: group,
      metric: 'messages',
      window: 'day',
      shared: true,
      amount: 5,
    });
    const chats = [
      await c.newChat(a, ann.token),
      await c.newChat(a, bob.token),
    ];
    const users = [ann, bob];

    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        sendMessage(
          [a, b][i % 2].url,
          users[(i >> 1) % 2].token,
          chats[(i >> 1) % 2],
          {
            content: `at once ${i}`,
          },
          { query: '?stream=false' },
        ),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(25);
    expect(new Set(refused.map((r) => r.body.limit.id))).toEqual(
      new Set([pool]),
    );
    expect(c.fake.requests).toHaveLength(5);
    const [counter] = await c.query<{ messages: number; held: number }>(
      `SELECT messages::int, held_messages::int AS held FROM usage_counters WHERE scope = $1`,
      [`g:${group}:day:*`],
    );
    expect(counter).toEqual({ messages: 5, held: 0 });
    await expectAccountingBalanced(c.query, [ann.id, bob.id]);
  });

  it('releases every counter a SIGKILLed process held, and a recount from the stored answers equals them', async () => {
    await c.setSettings({ max_concurrent_streams_per_user: 3 }, [a, b]);
    const u = await c.newUser(a);
    const group = await addGroup(db(), 'Staff', [u.id]);
    await addLimit(db(), {
      subject: 'user',
      subject_id: u.id,
      metric: 'messages',
      window: 'week',
      amount: 50,
    });
    await addLimit(db(), {
      subject: 'group',
      subject_id: group,
      metric: 'tokens',
      window: 'month',
      shared: true,
      amount: 100000,
    });
    await addLimit(db(), {
      subject: 'everyone',
      metric: 'messages',
      window: 'month',
      shared: true,
      amount: 1000000,
    });
    const chat = await c.newChat(a, u.token);
    // One answer completes first: the counters have settled use to keep.
    expect(
      (await sendMessage(a.url, u.token, chat, { content: 'first' })).status,
    ).toBe(200);

    // Two answers stall on A after their first word; A dies holding them.
    const stalled = [1, 2].map(() =>
      sendMessage(a.url, u.token, chat, {
        content: '[fake:stall] hold on',
      }).catch((err: Error) => ({ error: String(err) })),
    );
    await until(
      'two answers in progress',
      async () => c.fake.open,
      (n) => n === 2,
      20_000,
    );
    const holds = await c.query<{ scopes: string[] }>(
      `SELECT scopes FROM usage_holds WHERE user_id = $1 AND released_at IS NULL`,
      [u.id],
    );
    expect(holds).toHaveLength(2);
    // Day, week and month over all models and for the model, the group's pool and everyone's.
    for (const h of holds) expect(h.scopes.length).toBeGreaterThanOrEqual(8);
    const heldNow = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM usage_counters WHERE scope = ANY ($1) AND held_messages = 2`,
      [holds[0].scopes],
    );
    expect(heldNow[0].n).toBe(holds[0].scopes.length);
    expect(await a.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.all(stalled);

    // Once their TTL passes, B's heartbeat gives every counter back.
    await until(
      'every counter whole again',
      async () =>
        (
          await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM usage_counters
             WHERE held_messages > 0 OR held_tokens > 0 OR held_cost > 0`,
          )
        )[0].n,
      (n) => n === 0,
      20_000,
    );
    const pool = await c.query<{ messages: number }>(
      `SELECT messages::int FROM usage_counters WHERE scope = $1`,
      [`g:${group}:month:*`],
    );
    expect(pool).toEqual([{ messages: 1 }]);
    await expectAccountingBalanced(c.query, [u.id]);
    // And B admits the user again.
    expect(
      (await sendMessage(b.url, u.token, chat, { content: 'again' })).status,
    ).toBe(200);
    await expectAccountingBalanced(c.query, [u.id]);
  });
});
