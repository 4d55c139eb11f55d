import { Client } from 'pg';
import { DatabaseService, type Tx } from '../../src/database/database.service';
import { ChatSendService } from '../../src/modules/chat/chat-send.service';
import { AdmissionService } from '../../src/modules/usage/admission.service';
import {
  accounting,
  expectAccountingBalanced,
  type Query,
} from '../support/accounting';
import { sendMessage } from '../support/chat-stream';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Storing an answer and settling its quota hold are one transaction
 * (issue 13): when the database connection dies between the two steps, or
 * after both but before the commit, neither happened; the heartbeat's retry
 * then does both, once.
 */
describe('settling a hold and storing its answer (PostgreSQL)', () => {
  let t: TestApp;
  let admission: AdmissionService;
  let chats: ChatSendService;
  const q: Query = (text, params) => t.query(text, params);

  beforeAll(async () => {
    t = await startTestApp();
    admission = t.app.get(AdmissionService);
    chats = t.app.get(ChatSendService);
  });
  afterAll(() => t?.close());

  /** A send of 10 prompt tokens, up to 50 out, admitted for the user with no model. */
  const admitSend = (userId: string) =>
    admission.admit({
      userId,
      model: null,
      promptTokens: 10,
      maxOutputTokens: 50,
      maxStreams: 10,
    });

  /** Ends the transaction's own database session, as a crash of the database connection would. */
  const killConnection = (tx: Tx) =>
    tx.query('SELECT pg_terminate_backend(pg_backend_pid())');

  it.each([
    ['between the settle and the store', 'before'],
    ['after both, before the commit', 'after'],
  ] as const)(
    'rolls back both when the connection dies %s, and a retry does both once',
    async (_when, at) => {
      const u = await t.register();
      const chatId = await t.newChat(u.token);
      const lease = await admitSend(u.id);
      let attempts = 0;
      const settled = await lease.settle(
        { promptTokens: 10, completionTokens: 5, charged: true },
        async (tx) => {
          const first = attempts++ === 0;
          if (first && at === 'before') await killConnection(tx);
          const stored = await chats.storeAnswer(
            chatId,
            {
              content: 'the answer',
              status: 'complete',
              promptTokens: 10,
              completionTokens: 5,
            },
            tx,
          );
          if (first && at === 'after') await killConnection(tx);
          return stored;
        },
      );

      expect(settled.error).toBeTruthy();
      expect(settled.stored).toBeNull();
      // Neither step happened: the hold is still open and held, nothing is charged or stored.
      expect(await accounting(q, [u.id])).toEqual([
        {
          user_id: u.id,
          messages: 0,
          tokens: 0,
          cost: 0,
          held_messages: 1,
          held_tokens: 60,
          open_holds: 1,
          // Its day, week and month over all models.
          open_counters: 3,
          windows_off: 0,
          stored_messages: 0,
          stored_tokens: 0,
          stored_cost: 0,
        },
      ]);

      // The heartbeat retries the transaction: both happen, and only once.
      await admission.heartbeat();
      await admission.heartbeat();
      expect(attempts).toBe(2);
      const [row] = await expectAccountingBalanced(q, [u.id]);
      expect(row).toMatchObject({
        messages: 1,
        tokens: 15,
        stored_messages: 1,
      });
      // A late settle of the same lease changes nothing.
      await lease.settle({
        promptTokens: 99,
        completionTokens: 99,
        charged: true,
      });
      expect(await accounting(q, [u.id])).toEqual([row]);
    },
  );

  it("stores a JSON send's answer in the settle's own statement, with no transaction", async () => {
    const u = await t.register();
    const chatId = await t.newChat(u.token);
    const transactions = jest.spyOn(
      t.app.get(DatabaseService),
      'inTransaction',
    );
    try {
      const res = await sendMessage(
        t.url,
        u.token,
        chatId,
        { content: 'one statement' },
        { query: '?stream=false' },
      );
      expect(res.status).toBe(200);
      expect(transactions).not.toHaveBeenCalled();
      const [stored] = await t.query(
        `SELECT id, status, prompt_tokens, completion_tokens FROM messages
         WHERE chat_id = $1 AND role = 'assistant'`,
        [chatId],
      );
      expect(stored).toMatchObject({
        id: res.body.assistant_message.id,
        status: 'complete',
        prompt_tokens: res.body.usage.prompt_tokens,
        completion_tokens: res.body.usage.completion_tokens,
      });
      await expectAccountingBalanced(q, [u.id]);
    } finally {
      transactions.mockRestore();
    }
  });

  it('counts a send once when its one-statement settle is cut while it runs, and the retry stores it', async () => {
    const u = await t.register();
    const chatId = await t.newChat(u.token);
    const lease = await admitSend(u.id);
    // Another session holds the chat row: the settle moves the counters, then waits for it.
    const other = new Client({ connectionString: t.db?.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM chats WHERE id = $1 FOR UPDATE', [
        chatId,
      ]);
      const settling = lease.settle(
        { promptTokens: 10, completionTokens: 5, charged: true },
        chats.answerRider(chatId, {
          content: 'the answer',
          status: 'complete',
          promptTokens: 10,
          completionTokens: 5,
        }),
      );
      let pid: number | undefined;
      for (let i = 0; i < 200 && pid === undefined; i++) {
        // Asked outside `other`'s transaction: inside one, pg_stat_activity
        // answers the same snapshot every time.
        const [row] = await q<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
           WHERE query LIKE '%DELETE FROM usage_holds%' AND wait_event_type = 'Lock'`,
        );
        pid = row?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 25));
      }
      expect(pid).toBeDefined();
      await other.query('SELECT pg_terminate_backend($1)', [pid]);
      const settled = await settling;
      expect(settled.error).toBeTruthy();
      expect(settled.stored).toBeNull();
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    // Nothing of the statement happened: the hold is open, nothing charged or stored.
    expect(await accounting(q, [u.id])).toMatchObject([
      {
        messages: 0,
        tokens: 0,
        held_messages: 1,
        open_holds: 1,
        stored_messages: 0,
      },
    ]);
    await admission.heartbeat();
    await admission.heartbeat();
    const [row] = await expectAccountingBalanced(q, [u.id]);
    expect(row).toMatchObject({ messages: 1, tokens: 15, stored_messages: 1 });
  });
});
