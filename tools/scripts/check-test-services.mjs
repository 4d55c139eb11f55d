#!/usr/bin/env node
// Before the tests: PostgreSQL and Redis must answer, and the browser tests need Chromium.
// Says what is missing and how to get it, in one line each, then fails.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';

const problems = [];

const dbUrl = new URL(process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/tally_test');
if (!/test/i.test(dbUrl.pathname)) {
  problems.push(`TEST_DATABASE_URL names "${dbUrl.pathname.slice(1)}": the tests only run on a database whose name contains "test"`);
}

const answers = (host, port) =>
  new Promise((resolve) => {
    const s = createConnection({ host, port: Number(port) }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(2000, () => {
      s.destroy();
      resolve(false);
    });
  });

if (!(await answers(dbUrl.hostname, dbUrl.port || 5432))) {
  problems.push(
    `PostgreSQL does not answer at ${dbUrl.hostname}:${dbUrl.port || 5432} (start it, e.g. pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or set TEST_DATABASE_URL)`,
  );
}

// The login-throttling spec shares its counts between two API processes through Redis.
const redisUrl = new URL(process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379');
if (!(await answers(redisUrl.hostname, redisUrl.port || 6379))) {
  problems.push(
    `Redis does not answer at ${redisUrl.hostname}:${redisUrl.port || 6379} (start it, e.g. redis-server --daemonize yes --save "", or set TEST_REDIS_URL)`,
  );
}

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  let installed = false;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('Installing Chromium from Debian for the browser tests…');
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      installed = existsSync(chromium);
    } catch {
      installed = false;
    }
  }
  if (!installed) problems.push(`Chromium is missing at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

if (problems.length) {
  for (const p of problems) console.error(`Cannot run the tests: ${p}`);
  process.exit(1);
}
