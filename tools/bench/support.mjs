/**
 * What the benchmarks that run the built API share: a test database made
 * afresh, a free port, the built API as a child process, JSON calls, and
 * writing one section of docs/benchmarks.md while keeping the others.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = join(ROOT, 'dist/apps/api/main.js');
export const BENCHMARKS_PAGE = resolve(
  process.env.BENCH_OUT || join(ROOT, 'docs/benchmarks.md'),
);

/** Exits unless the database's name contains `test` and the API is built. */
export function checkPreconditions(databaseUrl) {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/test/.test(name)) {
    console.error(
      `Refusing to use database "${name}": its name must contain "test"`,
    );
    process.exit(1);
  }
  if (!existsSync(MAIN)) {
    console.error(`${MAIN} is missing: run "npx nx build api" first`);
    process.exit(1);
  }
  return name;
}

/** A logger that prefixes the benchmark's name and the time. */
export const logger =
  (name) =>
  (...a) =>
    console.log(`[${name} ${new Date().toISOString().slice(11, 19)}]`, ...a);

/** The same URL on another port. */
export function onPort(databaseUrl, port) {
  const u = new URL(databaseUrl);
  u.port = String(port);
  return u.toString();
}

/** Drops and creates the database of `databaseUrl` (through the `postgres` database). */
export async function recreateDatabase(databaseUrl) {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
}

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Starts the built API in production mode on a free port; resolves once healthy. */
export async function startBuiltApi(env) {
  const port = await freePort();
  // BENCH_API_NODE_ARGS go to the API's node alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS || '')
    .split(' ')
    .filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null)
      throw new Error(`the API exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) return { child, base };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the API did not start');
}

export function stop(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    child.once('exit', ok);
    child.kill('SIGTERM');
  });
}

/** One JSON call; throws on a status that is not 2xx. */
export async function call(base, method, path, body, token) {
  const res = await fetch(base + path, {
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

/** Writes `section` (starting `## <heading>`) into the benchmarks page, in place of its last run. */
export function writeSection(heading, section, out = BENCHMARKS_PAGE) {
  let page;
  if (!existsSync(out)) page = `# Benchmarks\n\n${section}`;
  else {
    const parts = readFileSync(out, 'utf8').split(/^(?=## )/m);
    const i = parts.findIndex((p) => p.startsWith(`## ${heading}`));
    if (i >= 0) parts[i] = section;
    else parts.push(section);
    page = parts.map((p) => p.trimEnd() + '\n').join('\n');
  }
  writeFileSync(out, page);
  return out;
}

/** The p-th percentile (0..100) of sorted numbers, nearest rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}
