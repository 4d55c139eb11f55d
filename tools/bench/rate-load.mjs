/**
 * Load at a fixed rate and at the maximum rate against one server, the CPU
 * of its process read from /proc, and the top of a CPU profile: the
 * measuring half of quota-rate.mjs.
 */
import http from 'node:http';
import os from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100;
/** What has not answered this long after the last request was due counts as an error. */
export const DRAIN_MS = 10_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
export async function fixedRate(target, users, rate, seconds, pid) {
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
export async function settle(target, users) {
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
export async function maxRate(target, users, seconds, connections) {
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
export function topOfProfile(file, window, count = 15) {
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

/** Nanoseconds the process's threads have run on a CPU (the schedstat of each of its tasks). */
function cpuNs(pid) {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(
        readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(
          ' ',
        )[0],
      );
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns;
}

/**
 * `count` requests one after the other on one kept-alive connection: the
 * server's CPU per call in ms, from the scheduler's nanosecond counts. On a
 * shared machine this moves far less than a rate's figures, since another
 * process's work is not counted and nothing queues.
 */
export async function sequentialCpu(target, users, count, pid) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await request(agent, target, users[0].token);
  const before = cpuNs(pid);
  let errors = 0;
  for (let i = 0; i < count; i++)
    if (!(await request(agent, target, users[i % users.length].token)))
      errors++;
  const ms = (cpuNs(pid) - before) / 1e6 / count;
  agent.destroy();
  return { ms, errors };
}
