import type { Tx } from '../../src/database/database.service';
import { ChatService } from '../../src/modules/chat/chat.service';
import { AdmissionService } from '../../src/modules/usage/admission.service';
import {
  accounting,
  expectAccountingBalanced,
  type Query,
} from '../support/accounting';
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
  let chats: ChatService;
  const q: Query = (text, params) => t.query(text, params);

  beforeAll(async () => {
    t = await startTestApp();
    admission = t.app.get(AdmissionService);
    chats = t.app.get(ChatService);
  });
  afterAll(() => t?.close());

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
      const lease = await admission.admit({
        userId: u.id,
        model: null,
        promptTokens: 10,
        maxOutputTokens: 50,
        maxStreams: 10,
      });
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
});
