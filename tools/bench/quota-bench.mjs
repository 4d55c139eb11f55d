#!/usr/bin/env node
/**
 * Quota benchmark: is reading a quota as cheap as the cheapest authenticated
 * call, whatever the message history, and is one page of the admin usage
 * report fast with 100,000 users?
 *
 *   npx nx build api && npm run bench
 *
 * Uses the built API (dist/apps/api/main.js; builds nothing itself) and the
 * local PostgreSQL server (BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/tally_bench_test), whose database it
 * drops and recreates. Seeds with generate_series, runs autocannon and writes
 * the results to docs/benchmarks.md. Takes about three minutes.
 *
 * BENCH_SECONDS (default 8) and BENCH_CONNECTIONS (default 10) tune the runs;
 * BENCH_OUT writes the page somewhere else.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as prettier from 'prettier';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist/apps/api/main.js');
const OUT = resolve(process.env.BENCH_OUT || join(ROOT, 'docs/benchmarks.md'));
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/tally_bench_test';
const SECONDS = Number(process.env.BENCH_SECONDS || 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 10);
const ADMIN = {
  email: 'bench-admin@example.com',
  password: 'bench-admin-password',
};
const USER = {
  email: 'bench-user@example.com',
  password: 'bench-user-password',
};

const dbName = decodeURIComponent(new URL(DATABASE_URL).pathname.slice(1));
if (!/test/.test(dbName)) {
  console.error(
    `Refusing to use database "${dbName}": its name must contain "test"`,
  );
  process.exit(1);
}
if (!existsSync(MAIN)) {
  console.error(`${MAIN} is missing: run "npx nx build api" first`);
  process.exit(1);
}

const log = (...args) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

async function query(text, params = []) {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

async function recreateDatabase() {
  const c = new pg.Client({
    connectionString: withDatabase(DATABASE_URL, 'postgres'),
  });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${dbName}`);
  } finally {
    await c.end();
  }
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function run(args, env) {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, [MAIN, ...args], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    p.once('exit', (code) =>
      code === 0
        ? ok()
        : fail(new Error(`${args.join(' ')} exited with ${code}`)),
    );
  });
}

async function startApi(env) {
  const api = spawn(process.execPath, [MAIN], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${env.PORT}`;
  for (let i = 0; i < 300; i++) {
    if (api.exitCode !== null)
      throw new Error(`the API exited with ${api.exitCode}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { api, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the API did not start');
}

async function call(url, method, path, body, token) {
  const res = await fetch(url + path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok)
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** One autocannon run; fails loudly on any non-2xx answer. */
async function load(
  url,
  path,
  token,
  seconds = SECONDS,
  connections = CONNECTIONS,
) {
  const r = await autocannon({
    url: url + path,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
  });
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
    throw new Error(
      `${path}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
    );
  }
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
  };
}

/** quota vs auth/me, alternated twice so drift hits both alike. */
async function compare(url, token) {
  await load(url, '/api/auth/me', token, 2);
  await load(url, '/api/chats/quota', token, 2);
  const me = [];
  const quota = [];
  for (let round = 0; round < 2; round++) {
    me.push(await load(url, '/api/auth/me', token));
    quota.push(await load(url, '/api/chats/quota', token));
  }
  const avg = (xs, k) => xs.reduce((s, x) => s + x[k], 0) / xs.length;
  const sum = (xs) => ({
    rps: avg(xs, 'rps'),
    p50: avg(xs, 'p50'),
    p99: avg(xs, 'p99'),
    requests: xs.reduce((s, x) => s + x.requests, 0),
  });
  const m = sum(me);
  const q = sum(quota);
  return { me: m, quota: q, ratio: q.rps / m.rps };
}

/**
 * The page's own sections, followed by the sections other benchmarks wrote
 * into the same page (those whose heading this run does not write).
 */
function keepOtherSections(page) {
  if (!existsSync(OUT)) return page;
  const own = new Set(
    [...page.matchAll(/^## (.+)$/gm)].map((m) => m[1].trim()),
  );
  const others = readFileSync(OUT, 'utf8')
    .split(/^(?=## )/m)
    .slice(1)
    .filter((section) => !own.has(section.split('\n')[0].slice(3).trim()));
  return others.length
    ? `${page.trimEnd()}\n\n${others.join('').trimEnd()}\n`
    : page;
}

async function main() {
  const started = Date.now();
  log(`database ${dbName}: recreating`);
  await recreateDatabase();
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tally-bench-'));
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DATABASE_URL,
    DATA_DIR: dataDir,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'warn',
    AI_PROVIDER: 'local',
  };
  await run(['migrate'], env);

  // 10,000 users with the bench user's password hash (argon2 is slow: hash once).
  const { api, url } = await startApi(env);
  try {
    const registered = await call(url, 'POST', '/api/auth/register', {
      email: USER.email,
      password: USER.password,
    });
    const userId = registered.user.id;
    log('seeding 10,000 users');
    await query(
      `INSERT INTO users (email, name, password_hash, created_at)
       SELECT 'user' || lpad(i::text, 6, '0') || '@bench.test', 'User ' || i, u.password_hash, now() - i * interval '1 minute'
       FROM generate_series(1, 9998) i, (SELECT password_hash FROM users WHERE id = $1) u`,
      [userId],
    );
    const [{ today }] = await query(
      `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS today`,
    );
    await query(
      `INSERT INTO usage_daily (user_id, day, messages, tokens)
       SELECT id, $1::date, 3, 1200 FROM users ORDER BY email LIMIT 3000`,
      [today],
    );
    await query('VACUUM ANALYZE');
    const [{ n: users }] = await query('SELECT count(*)::int AS n FROM users');
    const token = (await call(url, 'POST', '/api/auth/login', USER))
      .access_token;

    log(`quota vs auth/me, empty history (${users} users)`);
    const empty = await compare(url, token);

    log(
      "seeding 1,000,000 messages (200,000 of them in the bench user's 100 chats)",
    );
    await query(
      `INSERT INTO chats (user_id, title) SELECT $1, 'Bench ' || i FROM generate_series(1, 100) i`,
      [userId],
    );
    await query(
      `INSERT INTO chats (user_id, title) SELECT id, 'History' FROM users WHERE id <> $1`,
      [userId],
    );
    await query(
      `WITH b AS (SELECT array_agg(id ORDER BY id) AS a FROM chats WHERE user_id = $1),
            o AS (SELECT array_agg(id ORDER BY id) AS a FROM chats WHERE user_id <> $1)
       INSERT INTO messages (chat_id, role, content, status, prompt_tokens, completion_tokens, created_at)
       SELECT CASE WHEN i <= 200000 THEN b.a[1 + i % 100] ELSE o.a[1 + i % array_length(o.a, 1)] END,
              CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END,
              'Benchmark message number ' || i || ', long enough to look like a short question or answer.',
              'complete',
              CASE WHEN i % 2 = 1 THEN 20 + i % 50 END,
              CASE WHEN i % 2 = 1 THEN 30 + i % 300 END,
              now() - (1000000 - i) * interval '1 second'
       FROM generate_series(1, 1000000) i, b, o`,
      [userId],
    );
    await query('VACUUM ANALYZE');
    const [{ n: messages }] = await query(
      'SELECT count(*)::int AS n FROM messages',
    );
    const [{ n: own }] = await query(
      'SELECT count(*)::int AS n FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.user_id = $1',
      [userId],
    );
    log(`quota vs auth/me, ${messages} messages (${own} of the bench user's)`);
    const history = await compare(url, token);

    log('seeding 90,000 more users (100,000 in all), a third with usage today');
    await query(
      `INSERT INTO users (email, name, password_hash, created_at)
       SELECT 'more' || lpad(i::text, 6, '0') || '@bench.test', 'More ' || i, 'x', now() - i * interval '1 second'
       FROM generate_series(1, 90000) i`,
    );
    await query(
      `INSERT INTO usage_daily (user_id, day, messages, tokens)
       SELECT id, $1::date, 1 + (hashtext(email) & 63), (hashtext(email) & 65535)
       FROM users WHERE email LIKE 'more%' AND (hashtext(email) % 3) = 0`,
      [today],
    );
    await query('VACUUM ANALYZE');
    const [{ n: allUsers }] = await query(
      'SELECT count(*)::int AS n FROM users',
    );
    const adminToken = (await call(url, 'POST', '/api/auth/login', ADMIN))
      .access_token;
    const report = await call(
      url,
      'GET',
      '/api/admin/usage?page_size=50',
      undefined,
      adminToken,
    );
    log(`admin usage report: ${report.total} users listed`);
    // [label, path, first page?]: the goal is about the first page; deep pages cost their offset.
    const pages = [
      [
        'most tokens first (default)',
        '/api/admin/usage?page=1&page_size=50',
        true,
      ],
      [
        'fewest messages first',
        '/api/admin/usage?page=1&page_size=50&sort=messages&order=asc',
        true,
      ],
      [
        'by email',
        '/api/admin/usage?page=1&page_size=50&sort=email&order=asc',
        true,
      ],
      [
        'by name',
        '/api/admin/usage?page=1&page_size=50&sort=name&order=asc',
        true,
      ],
      [
        'search "more12" (1,111 matches)',
        '/api/admin/usage?page=1&page_size=50&search=more12',
        true,
      ],
      [
        'page 1000 of 2000, most tokens first',
        '/api/admin/usage?page=1000&page_size=50',
        false,
      ],
    ];
    const admin = [];
    for (const [label, path, first] of pages) {
      await load(url, path, adminToken, 2, 1);
      admin.push({
        label,
        path,
        first,
        ...(await load(url, path, adminToken, SECONDS, 1)),
      });
    }

    const [{ server_version: version }] = await query('SHOW server_version');
    const result = {
      date: new Date().toISOString(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: version,
      users,
      messages,
      own,
      allUsers,
      listed: report.total,
      empty,
      history,
      admin,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    // Formatted like every other Markdown file in the repository.
    const text = await prettier.format(keepOtherSections(render(result)), {
      parser: 'markdown',
    });
    writeFileSync(OUT, text);
    log(`done in ${result.seconds} s; results in ${OUT}`);
    console.log(text);
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const n0 = (x) => Math.round(x).toLocaleString('en-US');
const ms = (x) => `${x.toFixed(1)} ms`;
const line = (cells) => `| ${cells.join(' | ')} |`;
const figures = (x) => [n0(x.rps), ms(x.p50), ms(x.p99), n0(x.requests)];

function render(r) {
  const quotaGoal =
    Math.min(r.empty.ratio, r.history.ratio) >= 0.8 ? 'met' : 'NOT met';
  const drift = r.history.quota.rps / r.empty.quota.rps;
  const noise = r.history.me.rps / r.empty.me.rps;
  const adminWorst = Math.max(
    ...r.admin.filter((a) => a.first).map((a) => a.p99),
  );
  return `# Benchmarks

Written by \`npm run bench\` (\`tools/bench/quota-bench.mjs\`) on ${r.date.slice(0, 10)}; rerun it to
refresh this page. It starts the built API (\`node dist/apps/api/main.js\`, production mode,
PostgreSQL) and loads it with autocannon, ${SECONDS} s per run after a 2 s warm-up. The load
generator, the API and the database share the machine, so absolute figures are modest; the
ratios are the point.

## Machine

| | |
| --- | --- |
| CPU | ${r.cpu} |
| Cores | ${r.cores} |
| Memory | ${r.memoryGb} GB |
| Node.js | ${r.node} |
| PostgreSQL | ${r.postgres} |

## Reading a quota costs what reading yourself costs, whatever the history

\`GET /api/chats/quota\` against \`GET /api/auth/me\` (authentication plus one user row: the
cheapest authenticated call), same user, same run, ${CONNECTIONS} connections, alternated twice
and averaged. Goal: quota at least 0.8× auth/me, and no measurable difference with a large
history. A quota is one indexed \`usage_daily\` row joined to the user and the default
settings; messages are never counted.

| history | endpoint | requests/s | p50 | p99 | requests |
| --- | --- | ---: | ---: | ---: | ---: |
${line([`none (${n0(r.users)} users, 0 messages)`, 'auth/me', ...figures(r.empty.me)])}
${line(['', 'quota', ...figures(r.empty.quota)])}
${line([`${n0(r.messages)} messages, ${n0(r.own)} of them this user's`, 'auth/me', ...figures(r.history.me)])}
${line(['', 'quota', ...figures(r.history.quota)])}

- quota ÷ auth/me (requests/s): **${r.empty.ratio.toFixed(2)}** without history,
  **${r.history.ratio.toFixed(2)}** with ${n0(r.messages)} messages. Goal ≥ 0.8: ${quotaGoal}.
- quota with that history ÷ quota without: **${drift.toFixed(2)}** (1.00 = no difference); auth/me,
  which never reads messages, moved by ${noise.toFixed(2)} between the same two phases: that much is
  run-to-run noise on this machine.

## One page of the admin usage report with ${n0(r.allUsers)} users

\`GET /api/admin/usage\` with ${n0(r.listed)} users listed (every active user, zero usage
included; about a third with usage today), one admin (1 connection). Goal: a page in under
100 ms.

| page | requests/s | p50 | p99 | requests |
| --- | ---: | ---: | ---: | ---: |
${r.admin.map((a) => line([`${a.label}: \`${a.path.replace('/api/admin/usage', '')}\``, ...figures(a)])).join('\n')}

Slowest p99 of a first page: **${ms(adminWorst)}**. Goal < 100 ms: ${adminWorst < 100 ? 'met' : 'NOT met'}.
A deep page reads about as many rows as its offset (\`OFFSET\` paging), hence the last row.

Whole run: ${r.seconds} s.
`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
