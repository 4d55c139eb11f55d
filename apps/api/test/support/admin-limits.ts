import type { CreateLimitRequest } from '@tally/api-contract';
import { type SendResult } from './chat-stream';
import type { QuotaHarness, QuotaUser } from './quota';

/** The limits API as the admin of a quota harness calls it. */
export function limitsApi(h: QuotaHarness) {
  const { t, admin } = h;
  const as = { token: admin };
  return {
    /** Creates a limit (201) and returns its id. */
    async limit(body: CreateLimitRequest): Promise<string> {
      const res = await t.http.post('/api/admin/limits', body, as);
      if (res.status !== 201)
        throw new Error(`limit: ${res.status} ${res.text}`);
      return res.body.id;
    },
    /** Creates a group (201) with these members and returns its id. */
    async group(name: string, members: { id: string }[] = []): Promise<string> {
      const res = await t.http.post('/api/admin/groups', { name }, as);
      if (res.status !== 201)
        throw new Error(`group: ${res.status} ${res.text}`);
      for (const m of members) await this.join(res.body.id, m);
      return res.body.id;
    },
    async join(groupId: string, user: { id: string }): Promise<void> {
      const res = await t.http.request(
        'PUT',
        `/api/admin/groups/${groupId}/members/${user.id}`,
        undefined,
        as,
      );
      if (res.status !== 204)
        throw new Error(`join: ${res.status} ${res.text}`);
    },
    /** One JSON send (`?stream=false`), to the chat's model or to `model`. */
    send(u: QuotaUser, chat: string, model?: string): Promise<SendResult> {
      return h.send(
        u,
        chat,
        'hello there',
        model
          ? {
              query: '?stream=false',
              raw: JSON.stringify({ content: 'hi', model }),
            }
          : { query: '?stream=false' },
      );
    },
    /**
     * Sends one at a time until one is refused; answers how many passed and
     * the refusal (429) body.
     */
    async sendUntilRefused(
      u: QuotaUser,
      chat: string,
      model?: string,
      max = 20,
    ): Promise<{ passed: number; refusal: SendResult['body'] }> {
      for (let passed = 0; passed < max; passed++) {
        const res = await this.send(u, chat, model);
        if (res.status === 429) return { passed, refusal: res.body };
        if (res.status !== 200)
          throw new Error(`send: ${res.status} ${res.text}`);
      }
      throw new Error(`no refusal after ${max} sends`);
    },
  };
}

/**
 * Two members of a group with a shared pool of 5 messages a day fire 30
 * sends at once between them: exactly 5 pass, the others are refused by
 * the pool, and the pool's counter says 5.
 */
export async function expectPoolAdmitsExactlyFive(
  h: QuotaHarness,
): Promise<void> {
  const api = limitsApi(h);
  const a = await h.newUser();
  const b = await h.newUser();
  const group = await api.group(`Pool ${a.id.slice(0, 8)}`, [a, b]);
  const pool = await api.limit({
    subject: 'group',
    subject_id: group,
    metric: 'messages',
    window: 'day',
    shared: true,
    amount: 5,
  });
  const chats = [await h.t.newChat(a.token), await h.t.newChat(b.token)];
  const users = [a, b];
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) => api.send(users[i % 2], chats[i % 2])),
  );
  expect(results.filter((r) => r.status === 200)).toHaveLength(5);
  const refusals = results.filter((r) => r.status === 429).map((r) => r.body);
  expect(refusals).toHaveLength(25);
  for (const body of refusals) {
    expect(body.code).toBe('QUOTA_MESSAGES_EXCEEDED');
    expect(body.limit).toMatchObject({ id: pool, shared: true, used: 5 });
  }
  const [counter] = await h.t.query(
    `SELECT messages::int AS messages, held_messages::int AS held
     FROM usage_counters WHERE scope = $1`,
    [`g:${group}:day:*`],
  );
  expect(counter).toEqual({ messages: 5, held: 0 });
  const listed = await h.t.http.get(
    `/api/admin/limits?subject=group&subject_id=${group}`,
    { token: h.admin },
  );
  expect(listed.body.items).toEqual([
    expect.objectContaining({
      id: pool,
      used: 5,
      resets_at: '2026-11-29T00:00:00.000Z',
    }),
  ]);
}
