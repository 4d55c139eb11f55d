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
 *    (default 10), spreading the requests over all users on keep-alive
 *    connections, and reports the API process's CPU (from /proc, in % of one
 *    core), latency p50/p99 (counted from when each request was due, so a
 *    queue is not hidden), errors, and how busy the whole machine was.
 * 4. Measures the maximum rate (BENCH_MAX_CONNECTIONS concurrent requests,
 *    default 32, BENCH_MAX_SECONDS each, default 5) of the API and of a
 *    minimal node:http + pg server (quota-floor.mjs) that verifies the same
 *    JWT and replays the recorded SQL, alternated twice in the same run.
 * 5. With BENCH_PROFILE=<dir>: runs the API once more under `node --cpu-prof`
 *    at the highest rate and prints the functions with the most self time in
 *    the load phase only.
 *
 * 6. With BENCH_NEST_ADAPTERS=express,fastify (and BENCH_NEST_DIR, see
 *    quota-nest.cjs): the same minimal handler inside NestJS on each adapter,
 *    in the maximum-rate rounds, to price the framework and a move to Fastify.
 *
 * BENCH_API picks another build (default dist/apps/api/main.js), to compare
 * a before and an after. Nothing is written to docs: the figures are printed.
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
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startCaptureProxy } from './pg-capture.mjs';

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
const CLK_TCK = 100;
const DRAIN_MS = 10_000;
const NEST_ADAPTERS = (process.env.BENCH_NEST_ADAPTERS || '')
  .split(',')
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

async function startApi(databaseUrl, nodeArgs = []) {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
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
 * (the Fastify adapter is no dependency of Tally), so that every module it
 * loads comes from there.
 */
function nestScript() {
  const dir = process.env.BENCH_NEST_DIR;
  if (!dir) throw new Error('BENCH_NEST_ADAPTERS needs BENCH_NEST_DIR');
  const script = join(resolve(dir), 'quota-nest.cjs');
  copyFileSync(join(ROOT, 'tools/bench/quota-nest.cjs'), script);
  return script;
}

// ---- measuring ----

function procCpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

function machineTicks() {
  const [line] = readFileSync('/proc/stat', 'utf8').split('\n');
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] || 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle, total };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

function request(agent, url, token) {
  return new Promise((ok) => {
    const req = http.get(
      `${url}/api/chats/quota`,
      { agent, headers: { authorization: `Bearer ${token}` }, timeout: 30000 },
      (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode === 200));
        res.on('error', () => ok(false));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => ok(false));
  });
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Open loop: request i is due at start + i / rate, whatever the answers before it. */
async function fixedRate(target, users, rate, seconds, pid) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(rate * seconds);
  const latencies = [];
  let errors = 0;
  const pending = [];
  const cpu0 = pid ? procCpuTicks(pid) : 0;
  const m0 = machineTicks();
  const own0 = process.cpuUsage();
  const start = nowMs();
  const window = { startUs: process.hrtime.bigint() / 1000n };
  let sent = 0;
  while (sent < total) {
    const due = Math.min(
      total,
      Math.floor(((nowMs() - start) * rate) / 1000) + 1,
    );
    while (sent < due) {
      const scheduled = start + (sent * 1000) / rate;
      const { token } = users[sent % users.length];
      sent++;
      pending.push(
        request(agent, target, token).then((ok) => {
          if (ok) latencies.push(nowMs() - scheduled);
          else errors++;
        }),
      );
    }
    await sleep(1);
  }
  // An overloaded server is not waited for: what has not answered 10 s after
  // the last request was due counts as an error.
  let late = 0;
  await Promise.race([
    Promise.all(pending),
    sleep(DRAIN_MS).then(() => {
      late = total - latencies.length - errors;
    }),
  ]);
  const elapsed = (nowMs() - start) / 1000;
  const answered = latencies.length;
  const failed = late > 0 ? total - answered : errors;
  window.endUs = process.hrtime.bigint() / 1000n;
  const cpuSeconds = pid ? (procCpuTicks(pid) - cpu0) / CLK_TCK : NaN;
  const cpu = cpuSeconds / elapsed;
  const m1 = machineTicks();
  const own = process.cpuUsage(own0);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rate,
    achieved: answered / elapsed,
    cpuPct: cpu * 100,
    // CPU time per answer: what the rate would cost were the machine not shared.
    cpuMsPerRequest: (cpuSeconds * 1000) / Math.max(1, answered),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: failed,
    late,
    requests: total,
    machinePct:
      100 *
      (1 - (m1.idle - m0.idle) / (m1.total - m0.total)) *
      os.cpus().length,
    loadCpuPct: ((own.user + own.system) / 1e6 / elapsed) * 100,
    window,
  };
}

/** Waits until the server has worked off any backlog: one answer in under 50 ms (at most 60 s). */
async function settle(target, users) {
  const agent = new http.Agent({ keepAlive: false });
  for (let i = 0; i < 600; i++) {
    const t0 = nowMs();
    const ok = await request(agent, target, users[i % users.length].token);
    if (ok && nowMs() - t0 < 50) break;
    await sleep(100);
  }
  agent.destroy();
}

/** Closed loop: `connections` requests always in flight; answers per second. */
async function maxRate(target, users, seconds, connections = MAX_CONNECTIONS) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let done = 0;
  let errors = 0;
  let i = 0;
  const start = nowMs();
  const end = start + seconds * 1000;
  const worker = async () => {
    while (nowMs() < end) {
      const ok = await request(agent, target, users[i++ % users.length].token);
      if (ok) done++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  return { rps: done / ((nowMs() - start) / 1000), errors };
}

/** The functions with the most self time among the samples taken in [startUs, endUs]. */
function topOfProfile(file, window, count = 15) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let t = BigInt(prof.startTime);
  let inWindow = 0;
  for (let k = 0; k < prof.samples.length; k++) {
    t += BigInt(prof.timeDeltas[k] ?? 0);
    if (t < window.startUs || t > window.endUs) continue;
    inWindow++;
    const cf = byId.get(prof.samples[k]).callFrame;
    const where = cf.url
      ? `${cf.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${cf.lineNumber + 1}`
      : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const idle = self.get('(idle)') ?? 0;
  const busy = inWindow - idle;
  const rows = [...self.entries()]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, n]) => ({
      fn: k,
      ofAll: (100 * n) / inWindow,
      ofBusy: (100 * n) / busy,
    }));
  return { samples: inWindow, busyPct: (100 * busy) / inWindow, rows };
}

const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : '—');
const pct = (x) => `${x.toFixed(0)} %`;

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

  // 3: fixed rates against the API alone on the database.
  api = await startApi(DATABASE_URL);
  const floor = await startFloor(statementsFile);
  const nest = [];
  for (const adapter of NEST_ADAPTERS)
    nest.push({
      adapter,
      ...(await startFloor(statementsFile, nestScript(), {
        NEST_ADAPTER: adapter,
      })),
      runs: [],
    });
  await maxRate(api.url, users, 2);
  await maxRate(floor.url, users, 2);
  for (const n of nest) await maxRate(n.url, users, 2);
  const fixed = [];
  for (const rate of RATES) {
    await settle(api.url, users);
    log(`fixed ${rate}/s for ${SECONDS} s`);
    fixed.push(await fixedRate(api.url, users, rate, SECONDS, api.child.pid));
  }

  // 4: maximum rates, alternated.
  const tally = [];
  const minimal = [];
  for (let round = 0; round < 2; round++) {
    log(`max rate, round ${round + 1}`);
    await settle(api.url, users);
    tally.push(await maxRate(api.url, users, MAX_SECONDS));
    minimal.push(await maxRate(floor.url, users, MAX_SECONDS));
    for (const n of nest) n.runs.push(await maxRate(n.url, users, MAX_SECONDS));
  }
  for (const n of nest) await stop(n.child);
  await stop(floor.child);
  await stop(api.child);

  // 5: the profile of the load phase.
  let profile = null;
  if (PROFILE_DIR) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    const before = new Set(readdirSync(PROFILE_DIR));
    api = await startApi(DATABASE_URL, [
      '--cpu-prof',
      `--cpu-prof-dir=${PROFILE_DIR}`,
    ]);
    await maxRate(api.url, users, 2);
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

  const avg = (xs) => xs.reduce((s, x) => s + x.rps, 0) / xs.length;
  const out = [];
  out.push(`API: ${MAIN}`);
  out.push(
    `Machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, Node ${process.version}, load average before the run ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  out.push('');
  out.push(
    '| rate | achieved | API CPU (% of one core) | API CPU per answer | p50 | p99 | errors | whole machine busy (% of one core) | load tool CPU |',
  );
  out.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const f of fixed)
    out.push(
      `| ${f.rate}/s | ${f.achieved.toFixed(0)}/s | ${pct(f.cpuPct)} | ${f.cpuMsPerRequest.toFixed(2)} ms (${pct((f.cpuMsPerRequest * f.rate) / 10)} at ${f.rate}/s) | ${ms(f.p50)} | ${f.late > f.requests / 100 ? `> ${DRAIN_MS / 1000} s` : ms(f.p99)} | ${f.errors} | ${pct(f.machinePct)} | ${pct(f.loadCpuPct)} |`,
    );
  out.push('');
  out.push(
    `Maximum rate (${MAX_CONNECTIONS} in flight, ${MAX_SECONDS} s, alternated twice): Tally ${tally.map((x) => x.rps.toFixed(0)).join(', ')}/s; minimal node:http + pg ${minimal.map((x) => x.rps.toFixed(0)).join(', ')}/s; ratio **${(avg(tally) / avg(minimal)).toFixed(2)}** (errors ${tally.reduce((s, x) => s + x.errors, 0)} / ${minimal.reduce((s, x) => s + x.errors, 0)}).`,
  );
  for (const n of nest)
    out.push(
      `The same minimal handler in NestJS on ${n.adapter}: ${n.runs.map((x) => x.rps.toFixed(0)).join(', ')}/s, ${(avg(n.runs) / avg(minimal)).toFixed(2)} of the minimal handler (errors ${n.runs.reduce((s, x) => s + x.errors, 0)}).`,
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
