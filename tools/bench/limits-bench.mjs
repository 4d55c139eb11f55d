#!/usr/bin/env node
/**
 * Limits benchmark (issue 9), on the built API and PostgreSQL, in one run:
 *
 * 1. JSON sends per second of a user to whom six limits apply (the two
 *    daily ones, a week's messages, a month's cost on the model, the group's
 *    monthly token pool and an everyone pool) divided by those of a user to
 *    whom only the two daily limits apply, in alternated rounds;
 * 2. admission throughput of one shared pool hammered by 50 users at once:
 *    50 members of one group send in a loop, every send locking the pool's
 *    one counter; sends per second, p50 and p99.
 *
 *   npx nx build api && npm run bench:limits
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/tally_limits_bench_test)
 * is dropped and recreated. BENCH_SECONDS (default 6), BENCH_CONNECTIONS
 * (default 10). Writes its section of docs/benchmarks.md.
 */
import autocannon from 'autocannon';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  call,
  checkPreconditions,
  logger,
  percentile,
  recreateDatabase,
  startBuiltApi,
  stop,
  writeSection,
} from './support.mjs';

const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/tally_limits_bench_test';
const SECONDS = Number(process.env.BENCH_SECONDS || 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 10);
const POOL_USERS = 50;
const ADMIN = {
  email: 'bench-admin@example.com',
  password: 'bench-admin-pw-1',
};
const HEADING = 'Limits: six limits against two, and one pool under 50 users';
const BIG = 1_000_000_000_000;

const dbName = checkPreconditions(DATABASE_URL);
const log = logger('limits-bench');

async function sql(text, params = []) {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

const limit = (subject, subjectId, metric, window, amount, o = {}) =>
  sql(
    `INSERT INTO limits (subject, subject_id, metric, period, model, shared, amount)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      subject,
      subjectId,
      metric,
      window,
      o.model ?? null,
      o.shared ?? false,
      amount,
    ],
  );

async function user(base, email) {
  await call(base, 'POST', '/api/auth/register', {
    email,
    password: 'bench-user-pw-1',
  });
  const { access_token: token, user: u } = await call(
    base,
    'POST',
    '/api/auth/login',
    {
      email,
      password: 'bench-user-pw-1',
    },
  );
  const chat = await call(
    base,
    'POST',
    '/api/chats',
    { title: 'bench' },
    token,
  );
  return { id: u.id, token, chatId: chat.id };
}

const sendPath = (chatId) => `/api/chats/${chatId}/messages?stream=false`;

async function load(base, u) {
  const r = await autocannon({
    url: base + sendPath(u.chatId),
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: {
      authorization: `Bearer ${u.token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ content: 'hello there' }),
  });
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)
    throw new Error(
      `${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
    );
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** 50 members send in a loop for SECONDS; every send's latency. */
async function hammer(base, members) {
  const latencies = [];
  let refused = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    members.map(async (m) => {
      while (Date.now() < end) {
        const t0 = performance.now();
        const res = await fetch(base + sendPath(m.chatId), {
          method: 'POST',
          headers: {
            authorization: `Bearer ${m.token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ content: 'hello pool' }),
        });
        await res.arrayBuffer();
        if (res.status !== 200) refused++;
        else latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / SECONDS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    sends: latencies.length,
    refused,
  };
}

async function main() {
  log(`database ${dbName}: recreating`);
  await recreateDatabase(DATABASE_URL);
  const api = await startBuiltApi({
    DATABASE_URL,
    DATA_DIR: mkdtempSync(join(os.tmpdir(), 'tally-limits-bench-')),
    JWT_SECRET: 'limits-bench-secret-limits-bench-secret',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    AI_PROVIDER: 'local',
    AI_LOCAL_DELAY_MS: '0',
    AI_CONTEXT_TOKENS: '256',
    REGISTER_MAX_PER_HOUR: '100000',
  });
  let two = [];
  let six = [];
  let pool;
  try {
    const admin = (await call(api.base, 'POST', '/api/auth/login', ADMIN))
      .access_token;
    await call(
      api.base,
      'PATCH',
      '/api/admin/settings',
      {
        default_max_ai_messages_per_day: 2147483647,
        default_max_ai_tokens_per_day: 2147483647,
        max_concurrent_streams_per_user: 100,
      },
      admin,
    );
    const plain = await user(api.base, 'two-limits@example.com');
    const busy = await user(api.base, 'six-limits@example.com');
    const [{ id: group }] = await sql(
      `INSERT INTO user_groups (name) VALUES ('Bench') RETURNING id`,
    );
    await sql(`INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)`, [
      group,
      busy.id,
    ]);
    await limit('user', busy.id, 'messages', 'week', BIG);
    await limit('user', busy.id, 'cost', 'month', BIG, { model: 'local' });
    await limit('group', group, 'tokens', 'month', BIG, { shared: true });
    await limit('everyone', null, 'messages', 'month', BIG, { shared: true });
    const quota = await call(
      api.base,
      'GET',
      '/api/chats/quota?model=local',
      undefined,
      busy.token,
    );
    if (quota.limits.length !== 6)
      throw new Error(`expected 6 limits, got ${quota.limits.length}`);

    await load(api.base, plain);
    await load(api.base, busy);
    for (let round = 0; round < 2; round++) {
      two.push(await load(api.base, plain));
      six.push(await load(api.base, busy));
      log(
        `round ${round + 1}: two limits ${two.at(-1).rps.toFixed(0)}/s, six ${six.at(-1).rps.toFixed(0)}/s`,
      );
    }

    const [{ id: crowd }] = await sql(
      `INSERT INTO user_groups (name) VALUES ('Crowd') RETURNING id`,
    );
    await limit('group', crowd, 'messages', 'day', BIG, { shared: true });
    const members = [];
    for (let i = 0; i < POOL_USERS; i++) {
      const m = await user(api.base, `pool-${i}@example.com`);
      await sql(
        `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)`,
        [crowd, m.id],
      );
      members.push(m);
    }
    await hammer(api.base, members.slice(0, 5));
    pool = await hammer(api.base, members);
    log(
      `pool: ${pool.rps.toFixed(0)} sends/s, p50 ${pool.p50.toFixed(1)} ms, p99 ${pool.p99.toFixed(1)} ms`,
    );
  } finally {
    await stop(api.child);
  }
  const avg = (xs, k) => xs.reduce((s, x) => s + x[k], 0) / xs.length;
  const r2 = avg(two, 'rps');
  const r6 = avg(six, 'rps');
  const ratio = r6 / r2;
  log(`six ÷ two = ${ratio.toFixed(2)} (goal ≥ 0.8)`);
  const cpu = os.cpus();
  writeSection(
    HEADING,
    [
      `## ${HEADING}`,
      '',
      `\`npm run bench:limits\` (tools/bench/limits-bench.mjs), ${new Date().toISOString().slice(0, 10)}, ` +
        `${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, Node ${process.version}, built API on PostgreSQL, ` +
        `built-in model at zero delay, ${SECONDS} s per run.`,
      '',
      `JSON sends (\`POST /api/chats/:id/messages?stream=false\`, ${CONNECTIONS} connections, two alternated rounds):`,
      '',
      '| limits that apply | sends/s | p50 | p99 |',
      '| --- | ---: | ---: | ---: |',
      `| the two daily limits | ${r2.toFixed(0)} | ${avg(two, 'p50').toFixed(1)} ms | ${avg(two, 'p99').toFixed(1)} ms |`,
      `| six: the two daily, a week's messages, a month's cost on the model, the group's token pool, an everyone pool | ${r6.toFixed(0)} | ${avg(six, 'p50').toFixed(1)} ms | ${avg(six, 'p99').toFixed(1)} ms |`,
      '',
      `**Six ÷ two: ${ratio.toFixed(2)}** (goal ≥ 0.8). Every send charges its user's own day, week and month ` +
        'counters over all models and for its model, so a limit added later sees its window; the six-limit send ' +
        'locks two more rows (the two pools) in the same statement.',
      '',
      `One shared pool hammered by ${POOL_USERS} members at once (each sends in a loop; every send locks the pool's counter):`,
      '',
      '| sends/s | p50 | p99 | refused |',
      '| ---: | ---: | ---: | ---: |',
      `| ${pool.rps.toFixed(0)} | ${pool.p50.toFixed(1)} ms | ${pool.p99.toFixed(1)} ms | ${pool.refused} |`,
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
