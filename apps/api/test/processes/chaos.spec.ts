import { accounting, balanced } from '../support/accounting';
import { sql } from '../support/test-db';
import { sendMessage, type SendResult } from '../support/chat-stream';
import { type ApiProcess, until } from './support/api-process';
import { type Cluster, startCluster } from './support/cluster';

/** How long processes are killed and restarted while users send. */
const CHAOS_MS = 21_000;
/** A process is SIGKILLed this often (then restarted at once). */
const KILL_EVERY_MS = 3_000;
const PROCESSES = 3;
const USERS = 8;
/** Senders per user, at once. */
const SENDERS = 2;
const MESSAGES_LIMIT = 14;
const SMALL_LIMIT = 2;
const TOKENS_LIMIT = 6_000;
const TTL_SECONDS = 3;
/** Of the sends, this share goes to `/v1/chat/completions` with an API key. */
const GATEWAY_SHARE = 0.3;

/** About `n` tokens of words. */
const filler = (n: number) =>
  Array.from({ length: n }, (_, i) => `f${i}`).join(' ');

/**
 * A completion heavy outside its message text (the shapes a limit could be
 * passed with, when they were left out of the prompt estimate).
 */
const heavyBody = (model: string, i: number, stream: boolean) => {
  const extra = [
    {
      response_format: {
        type: 'json_schema',
        json_schema: { name: 's', schema: { description: filler(300) } },
      },
    },
    { functions: [{ name: 'f', description: filler(300), parameters: {} }] },
    { prediction: { type: 'content', content: filler(300) } },
  ][i % 3];
  return {
    model,
    stream,
    messages: [{ role: 'user', content: `hello ${i}` }],
    ...extra,
  };
};

interface Figures {
  sends: number;
  /** Of them, to the OpenAI-compatible endpoint. */
  completions: number;
  answered: number;
  cut: number;
  refused: number;
  failed: number;
  kills: number;
  restarts: number;
  overLimit: string[];
}

/**
 * Crash safety of the accounting, on real OS processes of the
 * built API: three processes on one PostgreSQL database, users sending JSON
 * and streamed answers (some cut by their client) and completions to the
 * OpenAI-compatible endpoint heavy outside their message text (streamed
 * and not, some left by their client), and one process
 * SIGKILLed every few seconds and restarted. A pause between settling a
 * hold and storing its answer (TEST_SETTLE_STORE_DELAY_MS) makes a kill
 * between the two likely. Afterwards, past the holds' TTL, every user's
 * counters equal the recount from the stored answers, nothing is held, and
 * no answer ever showed a quota over its limit.
 */
describe('accounting under SIGKILL (chaos)', () => {
  let c: Cluster;
  const live: ApiProcess[] = [];
  let restarts = 0;

  beforeAll(async () => {
    c = await startCluster({
      QUOTA_HOLD_TTL_SECONDS: String(TTL_SECONDS),
      QUOTA_HOLD_HEARTBEAT_SECONDS: '1',
      TEST_SETTLE_STORE_DELAY_MS: '150',
      AI_MAX_OUTPUT_TOKENS: '64',
    });
    for (let i = 0; i < PROCESSES; i++)
      live.push(await c.start(`P${i}`, 60_000));
  }, 120_000);
  afterAll(() => c?.close());

  it('keeps every counter equal to the recount from the stored answers, with nothing held and no one over a limit', async () => {
    c.fake.setMode('slow');
    c.fake.delayMs = 25;
    c.fake.reply = Array.from({ length: 24 }, (_, i) => `w${i}`).join(' ');
    await c.setSettings({ default_max_ai_tokens_per_day: TOKENS_LIMIT }, [
      ...live,
    ]);
    // The last user has a tiny limit, so refusals happen however busy the machine.
    const users = await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const u = await c.newUser(
          live[0],
          i === USERS - 1 ? SMALL_LIMIT : MESSAGES_LIMIT,
        );
        const key = await c
          .http(live[0])
          .post('/api/auth/api-keys', { name: 'chaos' }, { token: u.token });
        expect(key.status).toBe(201);
        return {
          ...u,
          key: key.body.key as string,
          chat: await c.newChat(live[0], u.token),
        };
      }),
    );
    const model = (
      await c.http(live[0]).get('/api/models', { token: users[0].token })
    ).body.default_model as string;

    /** One completion through `p`; a streamed one's client leaves after a few pieces. Its status, or null when the process died under it. */
    const complete = async (
      p: ApiProcess,
      key: string,
      n: number,
    ): Promise<{ status: number; aborted: boolean } | null> => {
      const stream = Math.random() < 0.5;
      const client = new AbortController();
      try {
        const res = await fetch(`${p.url}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify(heavyBody(model, n, stream)),
          signal: client.signal,
        });
        if (!stream || res.status !== 200) {
          await res.text();
          return { status: res.status, aborted: false };
        }
        const reader = res.body?.getReader();
        let pieces = 2 + Math.floor(Math.random() * 12);
        while (reader && pieces-- > 0) if ((await reader.read()).done) break;
        client.abort();
        return { status: res.status, aborted: pieces >= 0 };
      } catch {
        return null;
      }
    };

    const f: Figures = {
      sends: 0,
      completions: 0,
      answered: 0,
      cut: 0,
      refused: 0,
      failed: 0,
      kills: 0,
      restarts: 0,
      overLimit: [],
    };
    const quotaOk = (q: {
      messages: { used: number; limit: number };
      tokens: { used: number; limit: number };
    }) =>
      q.messages.used <= q.messages.limit && q.tokens.used <= q.tokens.limit;
    const check = (r: SendResult) => {
      const quota =
        r.body?.quota ?? r.events.find((e) => e.event === 'done')?.data.quota;
      if (quota && !quotaOk(quota)) f.overLimit.push(JSON.stringify(quota));
    };

    const end = Date.now() + CHAOS_MS;
    const pick = () => live[Math.floor(Math.random() * live.length)];
    const sender = async (u: (typeof users)[number]) => {
      while (Date.now() < end) {
        const p = pick();
        if (!p) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        f.sends++;
        if (Math.random() < GATEWAY_SHARE) {
          f.completions++;
          const r = await complete(p, u.key, f.sends);
          if (!r) f.failed++;
          else if (r.status === 429) {
            f.refused++;
            await new Promise((res) => setTimeout(res, 200));
          } else if (r.status === 200) {
            if (r.aborted) f.cut++;
            else f.answered++;
          } else f.failed++;
          continue;
        }
        const json = Math.random() < 0.7;
        const r = await sendMessage(
          p.url,
          u.token,
          u.chat,
          { content: `hello ${f.sends}` },
          json
            ? { query: '?stream=false' }
            : { abortAfterDeltas: 2 + Math.floor(Math.random() * 12) },
        ).catch(() => null);
        if (!r) {
          f.failed++; // the process died under it
          continue;
        }
        check(r);
        if (r.status === 429) {
          f.refused++;
          await new Promise((res) => setTimeout(res, 200));
        } else if (r.status === 200) {
          if (r.aborted) f.cut++;
          else f.answered++;
        } else {
          f.failed++;
        }
      }
    };
    const chaos = async () => {
      const restarting: Promise<void>[] = [];
      while (Date.now() + KILL_EVERY_MS < end) {
        await new Promise((r) => setTimeout(r, KILL_EVERY_MS));
        const victim = pick();
        if (!victim || live.length < 2) continue;
        live.splice(live.indexOf(victim), 1);
        await victim.kill();
        f.kills++;
        restarting.push(
          // A slow start (a busy machine) is not what this test is about.
          c.start(`${victim.name}'`, 60_000).then(
            (p) => {
              restarts++;
              live.push(p);
            },
            () => undefined,
          ),
        );
      }
      await Promise.all(restarting);
    };

    await Promise.all([
      chaos(),
      ...users.flatMap((u) => Array.from({ length: SENDERS }, () => sender(u))),
    ]);
    f.restarts = restarts;

    // Past the TTL the live processes' heartbeats have released every
    // hold of the killed ones: nothing is held any more.
    const ids = users.map((u) => u.id);
    const rows = await until(
      'every hold settled or released',
      () =>
        accounting(
          (text, params) => sql(c.db.url, text, params) as Promise<never[]>,
          ids,
        ),
      (rs) => rs.every((r) => r.open_holds === 0 && r.held_messages === 0),
      (TTL_SECONDS + 10) * 1000,
    );
    const summary = {
      ...f,
      overLimit: f.overLimit.length,
      users: rows.length,
      charged: rows.reduce((n, r) => n + r.messages, 0),
      countersChecked: rows.length * 5,
    };
    console.log(`chaos figures: ${JSON.stringify(summary)}`);

    expect(rows.filter((r) => !balanced(r))).toEqual([]);
    expect(f.overLimit).toEqual([]);
    for (const r of rows) {
      expect(r.messages).toBeLessThanOrEqual(MESSAGES_LIMIT);
      expect(r.tokens).toBeLessThanOrEqual(TOKENS_LIMIT);
    }
    // The run did what it is for: kills, answers, cut answers and refusals.
    expect(f.kills).toBeGreaterThanOrEqual(2);
    expect(f.answered).toBeGreaterThan(10);
    expect(f.refused).toBeGreaterThan(0);
    expect(f.completions).toBeGreaterThan(5);
  }, 150_000);
});
