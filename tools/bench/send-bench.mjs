#!/usr/bin/env node
/**
 * Send-path benchmark: how many JSON sends (`POST /api/chats/:id/messages?stream=false`)
 * per second the API answers with the built-in model at zero delay, divided by
 * `GET /api/auth/me` per second in the same run, and how many database
 * statements one send costs (counted on the wire by a recording proxy).
 *
 *   npx nx build api && npm run bench:send
 *
 * Uses the built API (dist/apps/api/main.js) and the local PostgreSQL server
 * (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tally_send_bench_test),
 * whose database it drops and recreates. Writes its section of docs/benchmarks.md
 * (BENCH_OUT elsewhere) and keeps the sections other benchmarks wrote.
 * BENCH_SECONDS (default 8) and BENCH_CONNECTIONS (default 10) tune the runs.
 *
 * Two loads, each alternated with auth/me under the same load:
 * - many users: each connection is its own user sending into its own chat (and
 *   asking auth/me with its own token). This is the realistic load, and the
 *   one the goal is judged on: different users charge different counters.
 * - one user: every connection sends as the same user into the same chat, so
 *   every send waits for the one before it on that user's counter rows (the
 *   check-and-charge locks them from the reserve until its commit, and the
 *   settle locks them again). It shows the cost of that serialization.
 */
import autocannon from 'autocannon';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startCaptureProxy } from './pg-capture.mjs';
import {
  BENCHMARKS_PAGE as OUT,
  call,
  checkPreconditions,
  logger,
  onPort,
  recreateDatabase as recreate,
  startBuiltApi,
  stop,
  writeSection,
} from './support.mjs';

const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/tally_send_bench_test';
const SECONDS = Number(process.env.BENCH_SECONDS || 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 10);
const ADMIN = {
  email: 'bench-admin@example.com',
  password: 'bench-admin-pw-1',
};
const USER = { email: 'bench-user@example.com', password: 'bench-user-pw-1' };
const HEADING = 'The send path: JSON sends per second against auth/me';

const url = new URL(DATABASE_URL);
const dbName = checkPreconditions(DATABASE_URL);
const log = logger('send-bench');

const databaseUrl = (port = url.port || '5432') => onPort(DATABASE_URL, port);
const recreateDatabase = () => recreate(DATABASE_URL);

const startApi = (dbUrl, dataDir) =>
  startBuiltApi({
    DATABASE_URL: dbUrl,
    DATA_DIR: dataDir,
    JWT_SECRET: 'send-bench-secret-send-bench-secret',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    AI_PROVIDER: 'local',
    AI_LOCAL_DELAY_MS: '0',
    // A small history budget keeps every send's prompt the same size as the chat grows.
    AI_CONTEXT_TOKENS: '256',
    REGISTER_MAX_PER_HOUR: '1000',
  });

/** Unlimited quota and streams, `users` users with a chat each; returns their tokens and chat ids. */
async function prepare(base, users = 1) {
  const admin = (await call(base, 'POST', '/api/auth/login', ADMIN))
    .access_token;
  await call(
    base,
    'PATCH',
    '/api/admin/settings',
    {
      default_max_ai_messages_per_day: 2147483647,
      default_max_ai_tokens_per_day: 2147483647,
      max_concurrent_streams_per_user: 100,
    },
    admin,
  );
  const out = [];
  for (let i = 0; i < users; i++) {
    const user =
      i === 0 ? USER : { ...USER, email: `bench-user-${i}@example.com` };
    await call(base, 'POST', '/api/auth/register', user).catch(() => undefined);
    const token = (await call(base, 'POST', '/api/auth/login', user))
      .access_token;
    const chat = await call(
      base,
      'POST',
      '/api/chats',
      { title: 'bench' },
      token,
    );
    out.push({ token, chatId: chat.id });
  }
  return out;
}

const sendPath = (chatId) => `/api/chats/${chatId}/messages?stream=false`;
const me = (u) => ({ token: u.token, path: '/api/auth/me' });
const send = (u) => ({ token: u.token, path: sendPath(u.chatId) });

/**
 * `CONNECTIONS` connections for `duration` s; connection i sends `targets[i %
 * targets.length]` (`{token, path}`) again and again, with `body` as JSON.
 */
async function load(base, targets, method = 'GET', body) {
  let next = 0;
  const r = await autocannon({
    url: base + targets[0].path,
    connections: CONNECTIONS,
    duration: SECONDS,
    setupClient: (client) => {
      const { token, path } = targets[next++ % targets.length];
      client.requestIterator.setRequests([
        {
          method,
          path,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        },
      ]);
    },
  });
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)
    throw new Error(
      `${method} ${targets[0].path}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
    );
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
  };
}

async function countStatements(dataDir) {
  const proxy = await startCaptureProxy(url.hostname, Number(url.port || 5432));
  const api = await startApi(databaseUrl(proxy.port), dataDir);
  try {
    const [{ token, chatId }] = await prepare(api.base);
    // Warm caches (settings, prepared statements) before the recorded send.
    for (let i = 0; i < 5; i++)
      await call(
        api.base,
        'POST',
        sendPath(chatId),
        { content: 'warm up' },
        token,
      );
    await new Promise((r) => setTimeout(r, 200));
    proxy.record(true);
    await call(
      api.base,
      'POST',
      sendPath(chatId),
      { content: 'count me' },
      token,
    );
    await new Promise((r) => setTimeout(r, 200));
    const statements = [...proxy.record(false)];
    // The heartbeat may run beside the send; its statements are not the send's.
    return statements.filter(
      (s) =>
        !/expires_at = now\(\) \+|released_at IS NULL AND expires_at < now\(\)|expires_at < now\(\) - interval/.test(
          s.text,
        ),
    );
  } finally {
    await stop(api.child);
    await proxy.close();
  }
}

async function main() {
  log(`database ${dbName}: recreating`);
  await recreateDatabase();
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tally-send-bench-'));

  const statements = await countStatements(dataDir);
  const kinds = statements.map((s) =>
    s.text.trim().split(/\s+/)[0].toUpperCase(),
  );
  const transactionControl = kinds.filter((k) =>
    ['BEGIN', 'COMMIT', 'ROLLBACK', 'START'].includes(k),
  ).length;
  log(
    `one JSON send ran ${statements.length} statement(s) (${transactionControl} BEGIN/COMMIT):`,
  );
  for (const s of statements)
    log('  ', s.text.replace(/\s+/g, ' ').slice(0, 120));

  const api = await startApi(DATABASE_URL, dataDir);
  const runs = { one: { me: [], sends: [] }, many: { me: [], sends: [] } };
  try {
    const users = await prepare(api.base, CONNECTIONS);
    const loads = {
      one: { me: [me(users[0])], sends: [send(users[0])] },
      many: { me: users.map(me), sends: users.map(send) },
    };
    const body = { content: 'hello there' };
    await load(api.base, loads.many.me);
    await load(api.base, loads.many.sends, 'POST', body);
    // Alternated twice, so drift of the machine hits every measure alike.
    for (let round = 0; round < 2; round++) {
      for (const kind of ['many', 'one']) {
        runs[kind].me.push(await load(api.base, loads[kind].me));
        runs[kind].sends.push(
          await load(api.base, loads[kind].sends, 'POST', body),
        );
        log(
          `round ${round + 1}, ${kind === 'many' ? 'many users' : 'one user'}: ` +
            `auth/me ${runs[kind].me.at(-1).rps.toFixed(0)}/s, sends ${runs[kind].sends.at(-1).rps.toFixed(0)}/s`,
        );
      }
    }
  } finally {
    await stop(api.child);
  }
  const avg = (xs, k) => xs.reduce((s, x) => s + x[k], 0) / xs.length;
  const summary = (xs) => ({
    rps: avg(xs, 'rps'),
    p50: avg(xs, 'p50'),
    p99: avg(xs, 'p99'),
  });
  const r = Object.fromEntries(
    Object.entries(runs).map(([kind, v]) => {
      const m = summary(v.me);
      const s = summary(v.sends);
      return [kind, { me: m, sends: s, ratio: s.rps / m.rps }];
    }),
  );
  log(
    `sends ÷ auth/me: ${r.many.ratio.toFixed(2)} with ${CONNECTIONS} users (goal ≥ 0.25), ` +
      `${r.one.ratio.toFixed(2)} with one user`,
  );
  const row = (what, x) =>
    `| ${what} | ${x.rps.toFixed(0)} | ${x.p50.toFixed(1)} ms | ${x.p99.toFixed(1)} ms |`;

  const cpu = os.cpus();
  const load1 = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(', ');
  const section = [
    `## ${HEADING}`,
    '',
    `\`npm run bench:send\` (tools/bench/send-bench.mjs), ${new Date().toISOString().slice(0, 10)}, ` +
      `${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, Node ${process.version}, built API on PostgreSQL, ` +
      `built-in model at zero delay, ${CONNECTIONS} connections, ${SECONDS} s per run, two alternated rounds. ` +
      `Load average at the end of the run: ${load1}.`,
    '',
    `${CONNECTIONS} users, each connection its own user sending into its own chat (auth/me with each user's own token):`,
    '',
    '| measure | requests/s | p50 | p99 |',
    '| --- | ---: | ---: | ---: |',
    row('`GET /api/auth/me`', r.many.me),
    row('`POST /api/chats/:id/messages?stream=false`', r.many.sends),
    '',
    `**Sends ÷ auth/me: ${r.many.ratio.toFixed(2)}** (goal ≥ 0.25).`,
    '',
    'One user, every connection sending into the same chat:',
    '',
    '| measure | requests/s | p50 | p99 |',
    '| --- | ---: | ---: | ---: |',
    row('`GET /api/auth/me`', r.one.me),
    row('`POST /api/chats/:id/messages?stream=false`', r.one.sends),
    '',
    `Sends ÷ auth/me: ${r.one.ratio.toFixed(2)}.`,
    '',
    'The goal is judged on the many users: that is how a deployment is loaded, and each user ' +
      "charges counters of their own. One user's sends cannot overlap: each one locks that user's " +
      'counter rows in the admission and again in the settle (the check-and-charge is exact because ' +
      `of it), so ${CONNECTIONS} connections of one user queue, in the API process (one user's ` +
      'admissions and settles run one at a time there) rather than on the rows in PostgreSQL, and ' +
      'the figure shows what that queue costs. Where the time goes: "The send path ' +
      'and the gateway: where the time goes" below.',
    '',
    `One JSON send costs **${statements.length} database statements** on the wire, ${transactionControl} of them ` +
      'transaction control (counted by a recording proxy in front of PostgreSQL, heartbeat statements left out):',
    '',
    ...statements.map(
      (st, i) =>
        `${i + 1}. \`${st.text.replace(/\s+/g, ' ').trim().slice(0, 110).replace(/`/g, "'")}\``,
    ),
    '',
  ].join('\n');
  writeSection(HEADING, section);
  log(`wrote ${OUT}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
