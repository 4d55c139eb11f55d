import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The built API (`node dist/apps/api/main.js`) as a separate OS process,
 * for tests that need real processes: several on one database, one killed.
 *
 *   const a = await startApiProcess({ name: 'A', databaseUrl, env });
 *   await fetch(`${a.url}/api/health`);
 *   await a.kill();    // SIGKILL, as a crash
 *   await a.stop();    // SIGTERM, then waits for the exit
 *
 * Its stdout and stderr are kept (`a.output()`) for the failure messages;
 * with API_PROCESS_LOGS=1 they are also echoed as they come.
 */

export const WORKSPACE_ROOT = resolve(__dirname, '../../../../..');
export const API_MAIN = join(WORKSPACE_ROOT, 'dist/apps/api/main.js');

export const ADMIN = {
  email: 'admin@example.com',
  password: 'admin-password-1',
};
export const JWT_SECRET = 'processes-secret-processes-secret-0123';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ApiProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** How it ended, or null while it runs. */
  readonly exit: Exit | null;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** Name, pid, URL, exit and output, for a failure message. */
  report(): string;
  /** SIGTERM, then waits (at most `timeoutMs`, then SIGKILL and throws) for the exit. */
  stop(timeoutMs?: number): Promise<Exit>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<Exit>;
  /** Whether a new TCP connection to it is accepted (false once it closed its server on SIGTERM). */
  accepting(): Promise<boolean>;
}

export interface ApiProcessOptions {
  /** Shown in failure messages and logs. */
  name: string;
  databaseUrl: string;
  /** On top of the defaults (AI_*, QUOTA_*, ...). */
  env?: Record<string, string>;
  /** How long to wait for `/api/health` to answer 200. */
  startTimeoutMs?: number;
}

/** What every API process gets: nothing of the test runner's environment (NODE_OPTIONS included) but the basics. */
function apiEnv(databaseUrl: string, dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'warn',
  };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command of the built API to its end (`node dist/apps/api/main.js
 * reset-password x@y`) with the environment an API process gets; `databaseUrl`
 * '' means the embedded database in `dataDir`.
 */
export function runApiCommand(
  args: string[],
  opts: { databaseUrl: string; dataDir: string; env?: Record<string, string> },
): Promise<CommandResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [API_MAIN, ...args], {
      cwd: WORKSPACE_ROOT,
      env: { ...apiEnv(opts.databaseUrl, opts.dataDir), ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', fail);
    child.once('close', (code) => {
      children.delete(child);
      done({ code, stdout, stderr });
    });
  });
}

/** Every process started by this test file, for the failure messages. */
const started: ApiProcess[] = [];
const children = new Set<ChildProcess>();
// Should the test run itself end early, it leaves no API process behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
const MAX_OUTPUT = 200_000;

/** A TCP port that was free a moment ago: listen on 0, note the port, close. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/**
 * Starts the built API and resolves once `GET /api/health` answers 200;
 * on another port when the free one was taken in between.
 */
export async function startApiProcess(
  opts: ApiProcessOptions,
): Promise<ApiProcess> {
  if (!existsSync(API_MAIN)) {
    throw new Error(
      `The API build is missing (${API_MAIN}): run "npx nx build api" first`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(opts, await freePort());
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

async function launch(
  opts: ApiProcessOptions,
  port: number,
): Promise<ApiProcess> {
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-process-'));
  const child: ChildProcess = spawn(process.execPath, [API_MAIN], {
    cwd: WORKSPACE_ROOT,
    env: {
      ...apiEnv(opts.databaseUrl, dataDir),
      PORT: String(port),
      HOST: '127.0.0.1',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);

  let output = '';
  const echo = Boolean(process.env.API_PROCESS_LOGS);
  const collect = (stream: 'out' | 'err') => (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (output.length < MAX_OUTPUT) output += text;
    if (echo) process.stderr.write(`[${opts.name} ${stream}] ${text}`);
  };
  child.stdout?.on('data', collect('out'));
  child.stderr?.on('data', collect('err'));

  let exit: Exit | null = null;
  const exited = new Promise<Exit>((done) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      children.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
      done(exit);
    });
  });
  const report = () =>
    `API process ${opts.name} (pid ${child.pid}, ${url})` +
    (exit ? `, exited with ${JSON.stringify(exit)}` : '') +
    `; its output:\n${output || '(none)'}`;

  const proc: ApiProcess = {
    name: opts.name,
    url,
    pid: child.pid ?? -1,
    get exit() {
      return exit;
    },
    exited,
    output: () => output,
    report,
    async stop(timeoutMs = 15_000) {
      if (exit) return exit;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => {
        timer = setTimeout(() => r('late'), timeoutMs);
      });
      const result = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (result === 'late') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(
          `did not exit within ${timeoutMs} ms of SIGTERM: ${report()}`,
        );
      }
      return result;
    },
    async kill() {
      if (exit) return exit;
      child.kill('SIGKILL');
      return exited;
    },
    accepting: () =>
      new Promise((answer) => {
        const socket = createConnection({ host: '127.0.0.1', port }, () => {
          socket.destroy();
          answer(true);
        });
        socket.once('error', () => answer(false));
      }),
  };
  started.push(proc);

  const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
  for (;;) {
    if (exit) throw new Error(`did not start: ${report()}`);
    const status = await fetch(`${url}/api/health`)
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) return proc;
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`/api/health did not answer 200 in time: ${report()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The report of every process this test file started, for a failure message. */
export function processReports(): string {
  return started.map((p) => p.report()).join('\n\n');
}

/** SIGKILLs every process this test file started that still runs (for afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all(started.filter((p) => !p.exit).map((p) => p.kill()));
}

/**
 * Reads a state (`read`) until `done` holds for it, and returns it; after
 * `timeoutMs` throws with `what`, the last state read and every process's
 * report. For waiting on a state, never on the clock.
 */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (state: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await read();
    if (done(state)) return state;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not so within ${timeoutMs} ms; last seen: ${JSON.stringify(state)}\n\n${processReports()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
