#!/usr/bin/env node
/**
 * Gateway benchmark: the latency the OpenAI-compatible endpoint adds over
 * calling the provider directly. Sequential, non-streamed Chat Completions
 * on loopback, one at a time, interleaved (direct, through Tally, direct, …)
 * so drift of the machine hits both alike; the median and p99 of each and of
 * their difference. Through Tally each request is authenticated by an API
 * key, admitted atomically (stream slot and quota hold), streamed from the
 * provider, and settled with its request-log row in one statement, on
 * PostgreSQL.
 *
 *   npx nx build api && npm run bench:gateway
 *
 * Uses the built API (dist/apps/api/main.js) and the local PostgreSQL server
 * (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tally_gateway_bench_test),
 * whose database it drops and recreates. Writes its section of
 * docs/benchmarks.md (BENCH_OUT elsewhere). BENCH_REQUESTS (default 2000 of
 * each) and BENCH_WARMUP (default 200) tune the run.
 */
import { spawn } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startCaptureProxy } from './pg-capture.mjs';
import {
  call,
  checkPreconditions,
  logger,
  onPort,
  percentile,
  recreateDatabase,
  startBuiltApi,
  stop,
  writeSection,
} from './support.mjs';

const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/tally_gateway_bench_test';
const REQUESTS = Number(process.env.BENCH_REQUESTS || 2000);
/** Completions timed on the recording proxy for the database's share. */
const WAIT_SAMPLES = 500;
/** Median and p99 of one completion's wait on PostgreSQL, in ms (set by countStatements). */
let dbWait = { median: NaN, p99: NaN };
const WARMUP = Number(process.env.BENCH_WARMUP || 200);
const ADMIN = {
  email: 'bench-admin@example.com',
  password: 'bench-admin-pw-1',
};
const HEADING =
  'The OpenAI-compatible endpoint: latency added over the provider';
const REPLY = 'Hello! How can I help you today?';

checkPreconditions(DATABASE_URL);
const log = logger('gateway-bench');

/**
 * A provider that answers at once: a `chat.completion`, or with
 * `stream: true` the same as chunks (role, text, finish, usage, `[DONE]`).
 */
function startFakeProvider() {
  const usage = { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 };
  const server = createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8'));
      const base = {
        id: 'chatcmpl-bench',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
      };
      if (!body.stream) {
        const json = JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: REPLY },
              finish_reason: 'stop',
            },
          ],
          usage,
        });
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(json),
        });
        return void res.end(json);
      }
      const chunk = (choices, extra = {}) =>
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        chunk([{ index: 0, delta: { role: 'assistant', content: '' } }]) +
          chunk([{ index: 0, delta: { content: REPLY } }]) +
          chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]) +
          chunk([], { usage }) +
          'data: [DONE]\n\n',
      );
    });
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () =>
      ok({ server, url: `http://127.0.0.1:${server.address().port}/v1` }),
    ),
  );
}

/** The bare pass-through (pass-through.mjs) in its own process, in front of the provider. */
async function startPassThrough(providerUrl) {
  const child = spawn(
    process.execPath,
    [new URL('./pass-through.mjs', import.meta.url).pathname, providerUrl],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise((ok, fail) => {
    child.once('exit', (code) =>
      fail(new Error(`pass-through exited ${code}`)),
    );
    child.stdout.once('data', (line) =>
      ok(String(line).trim().replace(/\/$/, '')),
    );
  });
  return { child, url };
}

/** One POST on a kept-alive connection; resolves with the milliseconds to the whole answer. */
function timedPost(agent, url, token, body) {
  const payload = JSON.stringify(body);
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          if (res.statusCode !== 200)
            return fail(
              new Error(
                `${url}: ${res.statusCode} ${Buffer.concat(parts).toString()}`,
              ),
            );
          ok(ms);
        });
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

/** Starts the built API on `databaseUrl` with the fake as its provider, unlimited quota and an API key. */
async function startTally(databaseUrl, fakeUrl, dataDir) {
  const api = await startBuiltApi({
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    JWT_SECRET: 'gateway-bench-secret-gateway-bench',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    AI_PROVIDER: 'openai',
    AI_BASE_URL: fakeUrl,
    AI_MODEL: 'bench-model',
  });
  const admin = (await call(api.base, 'POST', '/api/auth/login', ADMIN))
    .access_token;
  await call(
    api.base,
    'PATCH',
    '/api/admin/settings',
    {
      default_max_ai_messages_per_day: 2147483647,
      default_max_ai_tokens_per_day: 2147483647,
    },
    admin,
  );
  const { key } = await call(
    api.base,
    'POST',
    '/api/auth/api-keys',
    { name: 'bench' },
    admin,
  );
  return { ...api, key };
}

const BODY = {
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say hello.' }],
  max_tokens: 64,
};

/** The statements one completion through Tally sends to PostgreSQL (heartbeat statements left out). */
async function countStatements(fakeUrl, dataDir) {
  const url = new URL(DATABASE_URL);
  const proxy = await startCaptureProxy(url.hostname, Number(url.port || 5432));
  const api = await startTally(
    onPort(DATABASE_URL, proxy.port),
    fakeUrl,
    dataDir,
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    timedPost(agent, `${api.base}/v1/chat/completions`, api.key, BODY);
  try {
    for (let i = 0; i < 5; i++) await once();
    await new Promise((r) => setTimeout(r, 200));
    proxy.record(true);
    await once();
    await new Promise((r) => setTimeout(r, 200));
    const recorded = proxy.record(false);
    // How long one completion waits on PostgreSQL (statements, round trips
    // and commits), request by request: the part of the added latency that
    // no change of web framework can remove.
    const waits = [];
    for (let i = 0; i < WAIT_SAMPLES; i++) {
      const before = proxy.waited();
      await once();
      waits.push(proxy.waited() - before);
    }
    waits.sort((a, b) => a - b);
    dbWait = { median: percentile(waits, 50), p99: percentile(waits, 99) };
    return [...recorded].filter(
      (st) =>
        !/expires_at = now\(\) \+|released_at IS NULL AND expires_at < now\(\)|expires_at < now\(\) - interval/.test(
          st.text,
        ),
    );
  } finally {
    agent.destroy();
    await stop(api.child);
    await proxy.close();
  }
}

async function main() {
  log('database: recreating');
  await recreateDatabase(DATABASE_URL);
  const fake = await startFakeProvider();
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tally-gateway-bench-'));
  const statements = await countStatements(fake.url, dataDir);
  log(
    `one completion ran ${statements.length} statement(s), waiting on PostgreSQL ${dbWait.median.toFixed(2)} ms (median)`,
  );
  const api = await startTally(DATABASE_URL, fake.url, dataDir);
  const bare = await startPassThrough(fake.url);
  const direct = [];
  const gateway = [];
  const forwarded = [];
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const viaTally = () =>
      timedPost(agent, `${api.base}/v1/chat/completions`, api.key, BODY);
    const toProvider = () =>
      timedPost(agent, `${fake.url}/chat/completions`, 'sk-direct', BODY);
    const viaBare = () =>
      timedPost(agent, `${bare.url}/chat/completions`, 'sk-direct', BODY);
    log(`warming up (${WARMUP} of each)`);
    for (let i = 0; i < WARMUP; i++) {
      await toProvider();
      await viaTally();
      await viaBare();
    }
    log(`measuring ${REQUESTS} of each, interleaved`);
    for (let i = 0; i < REQUESTS; i++) {
      // Alternate which goes first, so neither always follows the other.
      if (i % 2 === 0) {
        direct.push(await toProvider());
        gateway.push(await viaTally());
      } else {
        gateway.push(await viaTally());
        direct.push(await toProvider());
      }
      forwarded.push(await viaBare());
    }
    agent.destroy();
  } finally {
    await stop(bare.child);
    await stop(api.child);
    fake.server.close();
  }

  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const d = sorted(direct);
  const g = sorted(gateway);
  const added = sorted(gateway.map((ms, i) => ms - direct[i]));
  const row = (name, xs) =>
    `| ${name} | ${percentile(xs, 50).toFixed(2)} ms | ${percentile(xs, 99).toFixed(2)} ms |`;
  const f = sorted(forwarded);
  const medianAdded = percentile(g, 50) - percentile(d, 50);
  const bareAdded = percentile(f, 50) - percentile(d, 50);
  const p99Added = percentile(g, 99) - percentile(d, 99);
  log(
    `direct median ${percentile(d, 50).toFixed(2)} ms, through Tally ${percentile(g, 50).toFixed(2)} ms: ` +
      `added ${medianAdded.toFixed(2)} ms at the median, ${p99Added.toFixed(2)} ms at p99`,
  );

  const cpu = os.cpus();
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(', ');
  const section = [
    `## ${HEADING}`,
    '',
    `\`npm run bench:gateway\` (tools/bench/gateway-bench.mjs), ${new Date().toISOString().slice(0, 10)}, ` +
      `${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, Node ${process.version}, built API on PostgreSQL. ` +
      `${REQUESTS} non-streamed Chat Completions of each kind, one at a time on one kept-alive loopback ` +
      `connection, interleaved (direct, through Tally, …), after ${WARMUP} of each to warm up. The provider ` +
      'is a fake on loopback that answers at once. Through Tally every request is authenticated by an API ' +
      'key, admitted atomically (stream slot and quota hold in the database), streamed from the provider ' +
      '(Tally always asks it for a stream with usage), and settled with its request-log row in one ' +
      `statement. Load average at the end of the run: ${load} (the machine is shared).`,
    '',
    '| measure | median | p99 |',
    '| --- | ---: | ---: |',
    row('the provider directly', d),
    row('through Tally (`POST /v1/chat/completions`)', g),
    `| **added by Tally** (difference of the two) | **${medianAdded.toFixed(2)} ms** | **${p99Added.toFixed(2)} ms** |`,
    row('added, request by request (each pair)', added),
    row(
      'through a bare `node:http` pass-through (tools/bench/pass-through.mjs)',
      f,
    ),
    `| added by the bare pass-through | ${bareAdded.toFixed(2)} ms | ${(percentile(f, 99) - percentile(d, 99)).toFixed(2)} ms |`,
    '',
    `One completion through Tally costs **${statements.length} database statements** on the wire ` +
      '(counted by a recording proxy in front of PostgreSQL, heartbeat statements left out):',
    '',
    ...statements.map(
      (st, i) =>
        `${i + 1}. \`${st.text.replace(/\s+/g, ' ').trim().slice(0, 110).replace(/`/g, "'")}\``,
    ),
    '',
    `Waiting on PostgreSQL for those statements (their round trips, their work in the server and ` +
      `the commits' flush to disk), measured on the recording proxy between each statement's Sync and ` +
      `the server's ReadyForQuery over ${WAIT_SAMPLES} sequential completions: **${dbWait.median.toFixed(2)} ms ` +
      `at the median** (p99 ${dbWait.p99.toFixed(2)} ms). That share of the added latency stays whatever ` +
      'runs the HTTP side. With the least any Node gateway adds (the bare pass-through, which ' +
      `forwards bytes and nothing else: ${bareAdded.toFixed(2)} ms), that is ` +
      `**${(dbWait.median + bareAdded).toFixed(2)} ms** before Tally reads a key, a body or an answer.`,
    '',
    `Goal: a median below 2 ms added. Published figures for others measured the same way: Bifrost 0.44 ms, ` +
      'Portkey 2.37 ms, LiteLLM 4.34 ms, none of them enforcing a quota in a database. ' +
      `**${medianAdded < 2 ? 'Met' : 'Not met'} in this run: ${medianAdded.toFixed(2)} ms added at the median.** ` +
      'Where the time goes: "The send path and the gateway: where the time goes" below.',
    '',
  ].join('\n');
  log(`wrote ${writeSection(HEADING, section)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
