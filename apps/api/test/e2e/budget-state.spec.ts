import OpenAI from 'openai';
import type { QuotaLimit } from '@tally/api-contract';
import { eventually } from '../support/chat-stream';
import { addLimit } from '../support/limits';
import {
  LONG_REPLY,
  MAX_OUTPUT,
  type QuotaHarness,
  type QuotaUser,
  startQuotaHarness,
} from '../support/quota';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver';

const MODEL = 'gpt-4o-mini';

/**
 * The budget as it is, not as rounding shows it (API.md "v3: honest budget
 * state"): an answer that ended at its output cap says which cap it was
 * (`cut_by`), in the chat and in the `/v1` request log; a limit whose rest
 * cannot pay for one more send is `exhausted`, and its 100 % alert goes out
 * then, even though `used` is still under `limit`.
 */
describe('honest budget state (PostgreSQL)', () => {
  let h: QuotaHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    h = await startQuotaHarness({ env: { ALERTS_POLL_MS: '100' } });
    receiver = await startWebhookReceiver();
    await h.setting({
      alert_webhook_url: receiver.url,
      alert_thresholds: [100],
    });
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });
  beforeEach(() => h.fake.reset());

  /** The model's prices (micro-dollars per token) for the length of `run`. */
  async function pricedAt<T>(
    input: number,
    output: number,
    run: () => Promise<T>,
  ): Promise<T> {
    const price = (input_price: number, output_price: number) =>
      h.t.http.patch(
        `/api/admin/models/${MODEL}`,
        { input_price, output_price },
        { token: h.admin },
      );
    expect((await price(input, output)).status).toBe(200);
    try {
      return await run();
    } finally {
      await price(0, 0);
    }
  }

  const sendJson = (u: QuotaUser, chat: string, content = 'hello there') =>
    h.send(u, chat, content, { query: '?stream=false' });

  const quotaLimits = async (u: QuotaUser): Promise<QuotaLimit[]> => {
    const res = await h.t.http.get(`/api/chats/quota?model=${MODEL}`, {
      token: u.token,
    });
    expect(res.status).toBe(200);
    return res.body.limits;
  };
  const daily = (limits: QuotaLimit[], metric: 'messages' | 'tokens') =>
    limits.find(
      (l) =>
        l.metric === metric &&
        l.window === 'day' &&
        l.model === null &&
        !l.shared,
    ) as QuotaLimit;

  describe('cut_by', () => {
    it('is null on an answer that ended by itself, and on an answer that failed', async () => {
      const u = await h.newUser();
      const chat = await h.t.newChat(u.token);
      const whole = await sendJson(u, chat);
      expect(whole.status).toBe(200);
      expect(whole.body.assistant_message.cut_by).toBeNull();
      expect(whole.body.user_message.cut_by).toBeNull();

      h.fake.reply = LONG_REPLY;
      const failed = await h.send(u, chat, 'again [fake:fail-mid-stream]');
      const done = failed.events.find((e) => e.event === 'error');
      expect(done).toBeDefined();
      const read = await h.t.http.get(`/api/chats/${chat}`, {
        token: u.token,
      });
      const answers = read.body.messages.filter(
        (m: { role: string }) => m.role === 'assistant',
      );
      expect(
        answers.map((m: { status: string; cut_by: unknown }) => [
          m.status,
          m.cut_by,
        ]),
      ).toEqual([
        ['complete', null],
        ['error', null],
      ]);
    });

    it('is max_output when the answer reached the model and instance cap, stopped by the provider or cut by Tally', async () => {
      const u = await h.newUser();
      const chat = await h.t.newChat(u.token);
      h.fake.reply = LONG_REPLY;
      const stopped = await sendJson(u, chat);
      expect(stopped.status).toBe(200);
      expect(stopped.body.assistant_message).toMatchObject({
        status: 'complete',
        completion_tokens: MAX_OUTPUT,
        cut_by: 'max_output',
      });

      // A provider that does not stop at max_tokens: the cap cuts it.
      h.fake.ignoreMaxTokens = true;
      const streamed = await h.send(u, chat, 'once more');
      expect(streamed.status).toBe(200);
      const done = streamed.events.find((e) => e.event === 'done');
      expect(done?.data.assistant_message).toMatchObject({
        status: 'complete',
        cut_by: 'max_output',
      });

      const read = await h.t.http.get(`/api/chats/${chat}`, {
        token: u.token,
      });
      expect(
        read.body.messages
          .filter((m: { role: string }) => m.role === 'assistant')
          .map((m: { cut_by: unknown }) => m.cut_by),
      ).toEqual(['max_output', 'max_output']);
    });

    it('is limit when a cost limit left a smaller cap than the model asked, streamed and stored', async () => {
      await pricedAt(0, 1, async () => {
        const u = await h.newUser();
        // 20 micro-dollars at 1 per output token: a cap of 20, under the 50 asked.
        await addLimit(h.t, {
          subject: 'user',
          subject_id: u.id,
          metric: 'cost',
          window: 'month',
          model: MODEL,
          amount: 20,
        });
        const chat = await h.t.newChat(u.token);
        h.fake.reply = LONG_REPLY;
        const res = await h.send(u, chat);
        expect(res.status).toBe(200);
        expect(h.fake.requests[0].body.max_tokens).toBe(20);
        const done = res.events.find((e) => e.event === 'done');
        expect(done?.data.assistant_message).toMatchObject({
          status: 'complete',
          completion_tokens: 20,
          cut_by: 'limit',
        });
        const read = await h.t.http.get(`/api/chats/${chat}`, {
          token: u.token,
        });
        expect(read.body.messages.at(-1).cut_by).toBe('limit');
      });
    });

    it('is in the /v1 request log: max_output for the request’s own max_tokens, limit for what a limit left, null otherwise', async () => {
      await pricedAt(0, 1, async () => {
        const u = await h.newUser();
        const key = await h.t.http.post(
          '/api/auth/api-keys',
          { name: 'svc' },
          { token: u.token },
        );
        expect(key.status).toBe(201);
        const openai = new OpenAI({
          apiKey: key.body.key,
          baseURL: `${h.t.url}/v1`,
          maxRetries: 0,
        });
        const ask = (max_tokens?: number) =>
          openai.chat.completions.create({
            model: MODEL,
            messages: [{ role: 'user', content: 'hello there' }],
            ...(max_tokens ? { max_tokens } : {}),
          });

        const whole = await ask();
        expect(whole.choices[0].finish_reason).toBe('stop');
        h.fake.reply = LONG_REPLY;
        const own = await ask(5);
        expect(own.choices[0].finish_reason).toBe('length');
        // Each output token costs 1 micro-dollar: a limit 12 above what was spent leaves a cap of 12, under the 50 asked.
        const [{ cost }] = await h.t.query<{ cost: number }>(
          `SELECT coalesce(sum(cost), 0)::int AS cost FROM gateway_requests WHERE user_id = $1`,
          [u.id],
        );
        await addLimit(h.t, {
          subject: 'user',
          subject_id: u.id,
          metric: 'cost',
          window: 'month',
          model: MODEL,
          amount: cost + 12,
        });
        const limited = await openai.chat.completions.create({
          model: MODEL,
          messages: [{ role: 'user', content: 'hello there' }],
          stream: true,
        });
        let finish: string | null = null;
        for await (const chunk of limited)
          finish = chunk.choices[0]?.finish_reason ?? finish;
        expect(finish).toBe('length');

        const log = await eventually(async () => {
          const res = await h.t.http.get(
            `/api/admin/requests?user_id=${u.id}`,
            { token: h.admin },
          );
          return res.body.total === 3 ? res.body : null;
        });
        expect(
          log.items.map((r: { status: string; cut_by: unknown }) => [
            r.status,
            r.cut_by,
          ]),
        ).toEqual([
          ['complete', 'limit'],
          ['complete', 'max_output'],
          ['complete', null],
        ]);
      });
    });
  });

  describe('exhausted', () => {
    it('tokens: exhausted with 1 token left, not with 2', async () => {
      const u = await h.newUser();
      const chat = await h.t.newChat(u.token);
      expect((await sendJson(u, chat)).status).toBe(200);
      const used = daily(await quotaLimits(u), 'tokens').used;

      await h.setLimits(u.id, null, used + 2);
      expect(daily(await quotaLimits(u), 'tokens')).toMatchObject({
        remaining: 2,
        exhausted: false,
      });
      await h.setLimits(u.id, null, used + 1);
      expect(daily(await quotaLimits(u), 'tokens')).toMatchObject({
        used,
        remaining: 1,
        exhausted: true,
      });
      // What the quota says is what a send meets.
      const refused = await sendJson(u, chat);
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('QUOTA_TOKENS_EXCEEDED');
      expect(refused.body.limit.exhausted).toBe(true);
    });

    it('messages: exhausted with none left', async () => {
      const u = await h.newUser();
      const chat = await h.t.newChat(u.token);
      expect((await sendJson(u, chat)).status).toBe(200);
      await h.setLimits(u.id, 2, null);
      expect(daily(await quotaLimits(u), 'messages')).toMatchObject({
        used: 1,
        remaining: 1,
        exhausted: false,
      });
      await h.setLimits(u.id, 1, null);
      expect(daily(await quotaLimits(u), 'messages')).toMatchObject({
        used: 1,
        remaining: 0,
        exhausted: true,
      });
    });

    it('cost: at $4.995 of $5 with a model priced past what is left, exhausted, refused, and the 100 % alert sent', async () => {
      // $99,900 per million output tokens: 50 tokens cost $4.995, and one more send needs $0.0999.
      await pricedAt(0, 99_900, async () => {
        const u = await h.newUser();
        const limit = await addLimit(h.t, {
          subject: 'user',
          subject_id: u.id,
          metric: 'cost',
          window: 'month',
          model: MODEL,
          amount: 5_000_000,
        });
        const chat = await h.t.newChat(u.token);
        h.fake.reply = LONG_REPLY;
        const first = await sendJson(u, chat);
        expect(first.status).toBe(200);
        expect(first.body.assistant_message).toMatchObject({
          cost: 4_995_000,
          cut_by: 'max_output',
        });
        const after = first.body.quota.limits.find(
          (l: QuotaLimit) => l.id === limit,
        );
        expect(after).toMatchObject({
          used: 4_995_000,
          limit: 5_000_000,
          remaining: 5_000,
          exhausted: true,
        });
        expect(
          (await quotaLimits(u)).find((l) => l.id === limit),
        ).toMatchObject({ remaining: 5_000, exhausted: true });
        // Other limits, with room, are not.
        expect(daily(await quotaLimits(u), 'tokens').exhausted).toBe(false);

        const refused = await sendJson(u, chat);
        expect(refused.status).toBe(429);
        expect(refused.body.code).toBe('QUOTA_COST_EXCEEDED');

        const alert = await eventually(async () =>
          receiver.received.find((r) => r.body.limit?.id === limit),
        );
        expect(alert.body).toMatchObject({
          type: 'limit.threshold',
          threshold: 100,
          user: { id: u.id },
          limit: { used: 4_995_000, limit: 5_000_000, exhausted: true },
        });
      });
    });

    it('cost: a model priced 0 never exhausts a cost limit', async () => {
      const u = await h.newUser();
      const limit = await addLimit(h.t, {
        subject: 'user',
        subject_id: u.id,
        metric: 'cost',
        window: 'month',
        model: MODEL,
        amount: 0,
      });
      expect((await quotaLimits(u)).find((l) => l.id === limit)).toMatchObject({
        remaining: 0,
        exhausted: false,
      });
      const chat = await h.t.newChat(u.token);
      expect((await sendJson(u, chat)).status).toBe(200);
    });
  });
});
