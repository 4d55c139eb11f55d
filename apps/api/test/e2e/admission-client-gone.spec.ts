import { request as httpRequest, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { Client } from 'pg';
import { expectAccountingBalanced } from '../support/accounting';
import { eventually } from '../support/chat-stream';
import {
  LONG_REPLY,
  type QuotaHarness,
  startQuotaHarness,
} from '../support/quota';

/**
 * A client that leaves while its send's admission statement is still
 * running: here the statement waits for the user's counter row, locked by
 * another connection, and the client goes while it waits. Once the lock is
 * released the admission completes in the database, finds its client gone,
 * and gives everything back: the send never reaches the provider, is not
 * charged (a send whose AI call never produced text counts nothing), holds
 * nothing, and its stream slot is free for the next send.
 */
describe('a client gone during its admission statement (PostgreSQL)', () => {
  let h: QuotaHarness;
  let locker: Client;

  beforeAll(async () => {
    h = await startQuotaHarness();
    const db = h.t.db;
    if (!db) throw new Error('this spec runs on PostgreSQL');
    locker = new Client({ connectionString: db.url });
    await locker.connect();
  }, 180_000);
  afterAll(async () => {
    await locker?.end();
    await h?.close();
  });
  beforeEach(() => {
    h.fake.reset();
    h.fake.reply = LONG_REPLY;
  });

  /**
   * Backends of the test database waiting for a lock. Asked outside
   * `locker`'s transaction: inside one, pg_stat_activity answers the same
   * snapshot every time.
   */
  const waitingForLock = async () =>
    (
      await h.t.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )
    )[0].n;

  it('gives back the slot and the message, charges nothing, and calls no provider', async () => {
    await h.setting({ max_concurrent_streams_per_user: 1 });
    try {
      const u = await h.newUser(2);
      const chat = await h.t.newChat(u.token);
      // One send first: the counter row exists (the one to lock), 1 of 2 used.
      const first = await h.send(u, chat, 'first');
      expect(first.status).toBe(200);
      const firstTokens = first.events.at(-1)?.data.usage.total_tokens;
      expect(await h.counters(u.id)).toMatchObject({ messages: 1 });
      expect(h.fake.requests).toHaveLength(1);

      // The server's side of each connection, by the client's port.
      const server = h.t.app.getHttpServer() as Server;
      const accepted = new Map<number, Socket>();
      const onConnection = (s: Socket) => accepted.set(s.remotePort ?? 0, s);
      server.on('connection', onConnection);

      await locker.query('BEGIN');
      await locker.query(
        `SELECT 1 FROM usage_counters WHERE scope LIKE 'u:' || $1 || ':%' FOR UPDATE`,
        [u.id],
      );
      let released = false;
      try {
        // A connection of its own, so that destroying it is the client leaving.
        const req = httpRequest(`${h.t.url}/api/chats/${chat}/messages`, {
          method: 'POST',
          agent: false,
          headers: {
            authorization: `Bearer ${u.token}`,
            'content-type': 'application/json',
          },
        });
        const answered = new Promise<number | null>((resolve) => {
          req.on('response', (res) => resolve(res.statusCode ?? null));
          req.on('error', () => resolve(null));
        });
        const port = new Promise<number>((resolve) =>
          req.on('socket', (s) =>
            s.on('connect', () => resolve(s.localPort ?? 0)),
          ),
        );
        req.end(JSON.stringify({ content: 'I will not wait' }));
        const clientPort = await port;

        // The admission statement is waiting for the locked counter.
        await eventually(async () => (await waitingForLock()) > 0);
        const serverSide = await eventually(
          async () => accepted.get(clientPort) ?? null,
        );
        const closed = new Promise<void>((resolve) =>
          serverSide.destroyed ? resolve() : serverSide.once('close', resolve),
        );
        req.destroy();
        await closed;
        expect(await answered).toBeNull();
        // Still waiting: the statement runs on, the client is gone.
        expect(await waitingForLock()).toBeGreaterThan(0);

        await locker.query('COMMIT');
        released = true;
      } finally {
        server.off('connection', onConnection);
        if (!released) await locker.query('ROLLBACK');
      }

      // Everything of that send goes back.
      await eventually(
        async () =>
          (
            await h.t.query<{ n: number }>(
              `SELECT (SELECT count(*) FROM usage_holds WHERE user_id = $1)
                    + (SELECT count(*) FROM stream_slots WHERE user_id = $1) AS n`,
              [u.id],
            )
          )[0].n === 0,
      );
      expect(await h.counters(u.id)).toEqual({
        messages: 1,
        held_messages: 0,
        tokens: firstTokens,
        held_tokens: 0,
      });
      expect(h.fake.requests).toHaveLength(1);
      const messages = await h.t.query<{ role: string; content: string }>(
        `SELECT role, content FROM messages WHERE chat_id = $1 ORDER BY created_at, role DESC`,
        [chat],
      );
      // No answer of the gone send, and nothing charged for it.
      expect(
        messages.filter((m) => m.role === 'assistant').map((m) => m.content),
      ).toHaveLength(1);
      await expectAccountingBalanced(h.t.query, [u.id]);

      // The slot (1 at most) and the message (2 a day) are free: one more
      // send passes, and then the limit refuses.
      const next = await h.send(u, chat, 'second');
      expect(next.status).toBe(200);
      const over = await h.send(u, chat, 'third');
      expect(over.status).toBe(429);
      expect(over.body.code).toBe('QUOTA_MESSAGES_EXCEEDED');
      expect(await h.counters(u.id)).toMatchObject({
        messages: 2,
        held_messages: 0,
        held_tokens: 0,
      });
      await expectAccountingBalanced(h.t.query, [u.id]);
    } finally {
      await h.setting({ max_concurrent_streams_per_user: 100 });
    }
  });
});
