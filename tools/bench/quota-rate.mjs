#!/usr/bin/env node
/**
 * Quota polling at a fixed rate: what does `GET /api/chats/quota` cost when
 * every open chat asks for it every 30 seconds (10,000 people: 333/s)?
 *
 *   npx nx build api && npm run bench:rate
 *
 * 1. Seeds BENCH_USERS users (default 300) in a fresh PostgreSQL database
 *    (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tally_rate_bench_test;
 *    its name must contain "test") and logs each in through the API.
 * 2. Records, through a PostgreSQL proxy, the SQL one warmed-up quota request
 *    runs; then starts the API again directly on the database.
 * 3. Holds each rate of BENCH_RATES (default 333,1000) for BENCH_SECONDS
 *    (default 10) against each server of BENCH_RATE_TARGETS (default
 *    `tally`), BENCH_ROUNDS times (default 1; every other round in the
 *    opposite order), spreading the requests over all users on keep-alive
 *    connections, and reports each server process's CPU (from /proc, in % of
 *    one core), latency p50/p99 (counted from when each request was due, so a
 *    queue is not hidden), errors, and how busy the whole machine was.
 *    Targets, all on the same database:
 *    - `tally`: the built API (BENCH_API, default dist/apps/api/main.js;
 *      BENCH_API_NODE_ARGS are passed to its node, e.g. --cpu-prof);
 *    - `base`: another build (BENCH_BASE_API), to compare a before and an
 *      after side by side in one run; or any number of builds named
 *      `<label>=<path of main.js>`;
 *    - `floor`: a minimal node:http + pg server (quota-floor.mjs) that
 *      verifies the same JWT and replays the SQL recorded from `tally`;
 *    - `nest-express`, `nest-fastify`: the same minimal handler inside NestJS
 *      on each adapter (quota-nest.cjs; Express needs BENCH_NEST_DIR).
 *    With BENCH_SEQUENTIAL=<rounds>: then that many rounds of
 *    BENCH_SEQUENTIAL_CALLS (default 500) requests one after the other
 *    against each target, alternated: CPU per call from the scheduler's
 *    counts, the figure that holds up best on a shared machine.
 * 4. Measures the maximum rate (BENCH_MAX_CONNECTIONS concurrent requests,
 *    default 32, BENCH_MAX_SECONDS each, default 5) of every started server
 *    (the targets, `tally` and `floor`), alternated twice, and divides each
 *    by the floor's.
 * 5. With BENCH_PROFILE=<dir>: runs the API once more under `node --cpu-prof`
 *    at the first rate and prints the functions with the most self time in
 *    the load phase only.
 *
 * Nothing is written to docs: the figures are printed.
 */
import { fork, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startCaptureProxy } from './pg-capture.mjs';
import {
  DRAIN_MS,
  fixedRate,
  maxRate,
  sequentialCpu,
  settle,
  topOfProfile,
} from './rate-load.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = resolve(
  process.env.BENCH_API || join(ROOT, 'dist/apps/api/main.js'),
);
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/tally_rate_bench_test';
const USERS = Number(process.env.BENCH_USERS || 300);
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const RATES = (process.env.BENCH_RATES || '333,1000').split(',').map(Number);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS || 5);
const MAX_CONNECTIONS = Number(process.env.BENCH_MAX_CONNECTIONS || 32);
const PROFILE_DIR = process.env.BENCH_PROFILE
  ? resolve(process.env.BENCH_PROFILE)
  : null;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const ADMIN = {
  email: 'bench-admin@example.com',
  password: 'bench-admin-pw-1',
};
const TARGETS = (process.env.BENCH_RATE_TARGETS || 'tally')
  .split(',')
  .filter(Boolean);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 1);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL || 0);
const SEQUENTIAL_CALLS = Number(process.env.BENCH_SEQUENTIAL_CALLS || 500);
const BASE_MAIN = process.env.BENCH_BASE_API
  ? resolve(process.env.BENCH_BASE_API)
  : null;
// BENCH_API_NODE_ARGS go to the node of the target "tally" alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
const API_NODE_ARGS = (process.env.BENCH_API_NODE_ARGS || '')
  .split(' ')
  .filter(Boolean);

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
  console.error(`[rate ${new Date().toISOString().slice(11, 19)}]`, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withDatabase(url, name, port) {
  const u = new URL(url);
  u.pathname = '/' + name;
  if (port) {
    u.hostname = '127.0.0.1';
    u.port = String(port);
  }
  return u.toString();
}

async function sql(text, params = []) {
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

/** A built web app to serve, as in production (a stand-in when none is built). */
function webDir() {
  const built = join(dirname(MAIN), '../web/browser');
  if (existsSync(join(built, 'index.html'))) return built;
  const local = join(ROOT, 'dist/apps/web/browser');
  if (existsSync(join(local, 'index.html'))) return local;
  const dir = mkdtempSync(join(os.tmpdir(), 'tally-rate-web-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tally</title>');
  return dir;
}

function apiEnv(port, databaseUrl) {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    WEB_DIR: WEB_DIR,
    DATA_DIR: mkdtempSync(join(os.tmpdir(), 'tally-rate-data-')),
  };
}

async function waitHealthy(url, child, what) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null)
      throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${what} did not start`);
}

async function startApi(databaseUrl, nodeArgs = [], main = MAIN) {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: apiEnv(port, databaseUrl),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, 'the API');
  return { child, url, port };
}

function stop(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    child.once('exit', ok);
    child.kill('SIGTERM');
  });
}

async function startFloor(
  statementsFile,
  script = join(ROOT, 'tools/bench/quota-floor.mjs'),
  env = {},
) {
  const port = await freePort();
  const child = fork(script, [], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      DATABASE_URL,
      JWT_SECRET,
      FLOOR_STATEMENTS: statementsFile,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((ok, fail) => {
    child.once('message', ok);
    child.once('exit', (code) =>
      fail(new Error(`the floor server exited with ${code}`)),
    );
  });
  return { child, url: `http://127.0.0.1:${port}` };
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

/** Users share the admin's password hash (made once); each logs in through the API. */
async function seedUsers(url) {
  await sql(
    `INSERT INTO users (email, name, password_hash)
     SELECT 'bench-' || i || '@example.com', 'Bench ' || i,
            (SELECT password_hash FROM users WHERE email = $1)
     FROM generate_series(1, $2::int) AS i`,
    [ADMIN.email, USERS],
  );
  const users = [];
  let next = 1;
  const worker = async () => {
    while (next <= USERS) {
      const i = next++;
      const r = await call(url, 'POST', '/api/auth/login', {
        email: `bench-${i}@example.com`,
        password: ADMIN.password,
      });
      users.push({ id: r.user.id, token: r.access_token });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return users;
}

/**
 * quota-nest.cjs, copied into BENCH_NEST_DIR: a folder whose node_modules
 * holds NestJS 11 with both adapters, pg, jsonwebtoken and reflect-metadata
 * (the Express adapter is no dependency of Tally since the API moved to
 * Fastify), so that every module it loads comes from there. Without
 * BENCH_NEST_DIR, NestJS on Fastify runs from Tally's own node_modules.
 */
function nestScript(adapter) {
  const dir = process.env.BENCH_NEST_DIR;
  if (!dir) {
    if (adapter === 'fastify') return join(ROOT, 'tools/bench/quota-nest.cjs');
    throw new Error('nest-express needs BENCH_NEST_DIR (see quota-nest.cjs)');
  }
  const script = join(resolve(dir), 'quota-nest.cjs');
  copyFileSync(join(ROOT, 'tools/bench/quota-nest.cjs'), script);
  return script;
}

/** Starts one target of BENCH_RATE_TARGETS. */
async function startTarget(name, statementsFile) {
  if (name === 'tally') return startApi(DATABASE_URL, API_NODE_ARGS);
  if (name === 'base') {
    if (!BASE_MAIN) throw new Error('the target "base" needs BENCH_BASE_API');
    return startApi(DATABASE_URL, [], BASE_MAIN);
  }
  if (name.includes('='))
    return startApi(
      DATABASE_URL,
      [],
      resolve(name.slice(name.indexOf('=') + 1)),
    );
  if (name === 'floor') return startFloor(statementsFile);
  const adapter = /^nest-(express|fastify)$/.exec(name)?.[1];
  if (!adapter) throw new Error(`unknown target "${name}"`);
  return startFloor(statementsFile, nestScript(adapter), {
    NEST_ADAPTER: adapter,
  });
}

const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : '—');
const pct = (x) => `${x.toFixed(0)} %`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const p99Of = (f) =>
  f.late > f.requests / 100 ? `> ${DRAIN_MS / 1000} s` : ms(f.p99);

// ---- the run ----

const WEB_DIR = webDir();

async function main() {
  const started = Date.now();
  const pgUrl = new URL(DATABASE_URL);
  log(`API ${MAIN}; database ${dbName}: recreating; ${USERS} users`);
  await recreateDatabase();

  // 1 + 2: seed and log in through a recording proxy, record one quota request's SQL.
  const proxy = await startCaptureProxy(
    pgUrl.hostname,
    Number(pgUrl.port || 5432),
  );
  let api = await startApi(withDatabase(DATABASE_URL, dbName, proxy.port));
  const users = await seedUsers(api.url);
  const probe = users[0];
  for (let i = 0; i < 20; i++)
    await call(api.url, 'GET', '/api/chats/quota', undefined, probe.token);
  let statements = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    proxy.record(true);
    await call(api.url, 'GET', '/api/chats/quota', undefined, probe.token);
    await sleep(50);
    statements = [...proxy.record(false)];
    if (statements.some((s) => s.values.includes(probe.id))) break;
  }
  await stop(api.child);
  await proxy.close();
  log(`one quota request ran ${statements.length} statement(s):`);
  for (const s of statements)
    log('  ', s.text.replace(/\s+/g, ' ').slice(0, 140));
  const tmp = mkdtempSync(join(os.tmpdir(), 'tally-rate-'));
  const statementsFile = join(tmp, 'statements.json');
  writeFileSync(
    statementsFile,
    JSON.stringify({ userId: probe.id, statements }),
  );

  // 3: fixed rates against each target on the database, alternated round by round.
  const servers = new Map();
  for (const name of new Set([...TARGETS, 'tally', 'floor']))
    servers.set(name, await startTarget(name, statementsFile));
  for (const s of servers.values())
    await maxRate(s.url, users, 2, MAX_CONNECTIONS);
  const fixed = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Every other round in the opposite order, so no target always runs first.
    const order = round % 2 ? TARGETS : [...TARGETS].reverse();
    for (const rate of RATES)
      for (const name of order) {
        const { url, child } = servers.get(name);
        await settle(url, users);
        log(`round ${round}: ${name} at ${rate}/s for ${SECONDS} s`);
        fixed.push({
          name,
          round,
          ...(await fixedRate(url, users, rate, SECONDS, child.pid)),
        });
      }
  }

  // 3b: CPU per call of sequential requests, the targets alternated round by round.
  const sequential = new Map(TARGETS.map((n) => [n, []]));
  for (let round = 1; round <= SEQUENTIAL; round++) {
    log(`sequential, round ${round} of ${SEQUENTIAL}`);
    const order = round % 2 ? TARGETS : [...TARGETS].reverse();
    for (const name of order) {
      const { url, child } = servers.get(name);
      sequential
        .get(name)
        .push(await sequentialCpu(url, users, SEQUENTIAL_CALLS, child.pid));
    }
  }

  // 4: maximum rates, alternated.
  const maxNames = [...servers.keys()];
  const max = new Map(maxNames.map((n) => [n, []]));
  for (let round = 0; round < 2; round++) {
    log(`max rate, round ${round + 1}`);
    for (const name of maxNames) {
      const { url } = servers.get(name);
      await settle(url, users);
      max
        .get(name)
        .push(await maxRate(url, users, MAX_SECONDS, MAX_CONNECTIONS));
    }
  }
  for (const s of servers.values()) await stop(s.child);

  // 5: the profile of the load phase.
  let profile = null;
  if (PROFILE_DIR) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    const before = new Set(readdirSync(PROFILE_DIR));
    api = await startApi(DATABASE_URL, [
      '--cpu-prof',
      `--cpu-prof-dir=${PROFILE_DIR}`,
    ]);
    await maxRate(api.url, users, 2, MAX_CONNECTIONS);
    const rate = RATES[0];
    log(`profile at ${rate}/s for ${SECONDS} s`);
    const run = await fixedRate(api.url, users, rate, SECONDS, api.child.pid);
    await stop(api.child);
    const file = readdirSync(PROFILE_DIR).find(
      (f) => !before.has(f) && f.endsWith('.cpuprofile'),
    );
    if (file)
      profile = {
        rate,
        file: join(PROFILE_DIR, file),
        ...topOfProfile(join(PROFILE_DIR, file), run.window),
      };
  }
  rmSync(tmp, { recursive: true, force: true });
  report({ started, fixed, sequential, max, profile });
}

function report({ started, fixed, sequential, max, profile }) {
  const out = [];
  out.push(`API (tally): ${MAIN}${BASE_MAIN ? `; base: ${BASE_MAIN}` : ''}`);
  out.push(
    `Machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, Node ${process.version}, load average at the end of the run ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  out.push('');
  out.push(
    '| target | round | rate | achieved | CPU (% of one core) | CPU per answer | p50 | p99 | errors | whole machine busy (% of one core) | load tool CPU |',
  );
  out.push(
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const f of fixed)
    out.push(
      `| ${f.name} | ${f.round} | ${f.rate}/s | ${f.achieved.toFixed(0)}/s | ${pct(f.cpuPct)} | ${f.cpuMsPerRequest.toFixed(2)} ms | ${ms(f.p50)} | ${p99Of(f)} | ${f.errors} | ${pct(f.machinePct)} | ${pct(f.loadCpuPct)} |`,
    );
  if (ROUNDS > 1) {
    out.push('');
    out.push(`Median of ${ROUNDS} rounds:`);
    out.push('');
    out.push(
      '| target | rate | CPU (% of one core) | CPU per answer | p50 | p99 | errors |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const rate of RATES)
      for (const name of TARGETS) {
        const fs = fixed.filter((f) => f.name === name && f.rate === rate);
        out.push(
          `| ${name} | ${rate}/s | ${pct(median(fs.map((f) => f.cpuPct)))} | ${median(fs.map((f) => f.cpuMsPerRequest)).toFixed(2)} ms | ${ms(median(fs.map((f) => f.p50)))} | ${ms(median(fs.map((f) => f.p99)))} | ${fs.reduce((s, f) => s + f.errors, 0)} |`,
        );
      }
  }
  if (SEQUENTIAL > 0) {
    const first = median(sequential.get(TARGETS[0]).map((x) => x.ms));
    out.push('');
    out.push(
      `CPU per call, ${SEQUENTIAL_CALLS} sequential calls on one connection, ${SEQUENTIAL} rounds alternated (median; ÷ ${TARGETS[0]}):`,
    );
    out.push('');
    for (const [name, runs] of sequential) {
      const m = median(runs.map((x) => x.ms));
      out.push(
        `- ${name}: **${m.toFixed(3)} ms** (${(m / first).toFixed(2)}; rounds ${runs.map((x) => x.ms.toFixed(3)).join(', ')}; errors ${runs.reduce((s, x) => s + x.errors, 0)})`,
      );
    }
  }
  const avg = (xs) => xs.reduce((s, x) => s + x.rps, 0) / xs.length;
  const floor = avg(max.get('floor'));
  out.push('');
  out.push(
    `Maximum rate (${MAX_CONNECTIONS} in flight, ${MAX_SECONDS} s, alternated twice), and ÷ the minimal node:http + pg handler (floor):`,
  );
  out.push('');
  for (const [name, runs] of max)
    out.push(
      `- ${name}: ${runs.map((x) => x.rps.toFixed(0)).join(', ')}/s, **${(avg(runs) / floor).toFixed(2)}** (errors ${runs.reduce((s, x) => s + x.errors, 0)})`,
    );
  if (profile) {
    out.push('');
    out.push(
      `Profile at ${profile.rate}/s (${profile.file}): ${profile.samples} samples in the load phase, ${profile.busyPct.toFixed(0)} % busy.`,
    );
    out.push('');
    out.push('| function (self time) | % of samples | % of busy samples |');
    out.push('| --- | ---: | ---: |');
    for (const r of profile.rows)
      out.push(
        `| \`${r.fn}\` | ${r.ofAll.toFixed(1)} | ${r.ofBusy.toFixed(1)} |`,
      );
  }
  out.push('');
  out.push(`Whole run: ${Math.round((Date.now() - started) / 1000)} s.`);
  console.log(out.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
