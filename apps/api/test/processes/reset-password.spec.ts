import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import {
  ADMIN,
  type ApiProcess,
  runApiCommand,
  startApiProcess,
} from './support/api-process';

/**
 * `node dist/apps/api/main.js reset-password <email>`, the way back in for an
 * admin who lost the password: the real command against the database of a
 * running API (PostgreSQL) and of a stopped one (PGlite in DATA_DIR).
 */
describe('the reset-password command', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'tally-reset-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const login = (api: ApiProcess, email: string, password: string) =>
    fetch(`${api.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
  const tokenOf = async (res: Response): Promise<string> => {
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const me = (api: ApiProcess, token: string) =>
    fetch(`${api.url}/api/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.status);

  /** The one line the command printed on stdout: the new password. */
  const printedPassword = (stdout: string): string => {
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    return lines[0];
  };

  describe('on PostgreSQL', () => {
    let db: TestDatabase;
    let api: ApiProcess;
    let dataDir: string;
    beforeAll(async () => {
      db = await createTestDatabase();
      dataDir = tempDir();
      api = await startApiProcess({
        name: 'reset',
        databaseUrl: db.url,
        startTimeoutMs: 120_000,
      });
    }, 180_000);
    afterAll(async () => {
      await api?.stop();
      await db?.drop();
    });

    it('prints a new strong password once, which signs in, and revokes the earlier tokens', async () => {
      const oldToken = await tokenOf(
        await login(api, ADMIN.email, ADMIN.password),
      );
      expect(await me(api, oldToken)).toBe(200);

      // Any case of the email finds the account, as login does.
      const run = await runApiCommand(
        ['reset-password', ADMIN.email.toUpperCase()],
        { databaseUrl: db.url, dataDir },
      );
      expect({ code: run.code, stderr: run.stderr }).toEqual({
        code: 0,
        stderr: expect.stringContaining(ADMIN.email),
      });
      const password = printedPassword(run.stdout);
      expect(password.length).toBeGreaterThanOrEqual(20);
      expect(password).not.toBe(ADMIN.password);
      // Printed once: not in what goes to stderr (or a log collecting it).
      expect(run.stderr).not.toContain(password);

      // The running API refuses the token issued before, and the old password.
      expect(await me(api, oldToken)).toBe(401);
      expect((await login(api, ADMIN.email, ADMIN.password)).status).toBe(401);
      const newToken = await tokenOf(await login(api, ADMIN.email, password));
      expect(await me(api, newToken)).toBe(200);

      // A second reset gives another password.
      const again = await runApiCommand(['reset-password', ADMIN.email], {
        databaseUrl: db.url,
        dataDir,
      });
      expect(again.code).toBe(0);
      expect(printedPassword(again.stdout)).not.toBe(password);
      expect(await me(api, newToken)).toBe(401);
    });

    it('exits 1 with a clear message for an unknown email, and changes nothing', async () => {
      const run = await runApiCommand(
        ['reset-password', 'nobody@example.com'],
        {
          databaseUrl: db.url,
          dataDir,
        },
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('No user has the email nobody@example.com');

      const none = await runApiCommand(['reset-password'], {
        databaseUrl: db.url,
        dataDir,
      });
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('Usage: reset-password <email>');
    });
  });

  describe('on the embedded database (DATA_DIR)', () => {
    it('resets the password of the stopped API, which then signs in with it', async () => {
      const dataDir = tempDir();
      const embedded = { databaseUrl: '', env: { DATA_DIR: dataDir } };
      const first = await startApiProcess({
        name: 'embedded-1',
        ...embedded,
        startTimeoutMs: 120_000,
      });
      const oldToken = await tokenOf(
        await login(first, ADMIN.email, ADMIN.password),
      );
      await first.stop();

      const unknown = await runApiCommand(['reset-password', 'x@example.com'], {
        databaseUrl: '',
        dataDir,
      });
      expect(unknown.code).toBe(1);
      const run = await runApiCommand(['reset-password', ADMIN.email], {
        databaseUrl: '',
        dataDir,
      });
      expect({ code: run.code, stderr: run.stderr }).toEqual({
        code: 0,
        stderr: expect.stringContaining(ADMIN.email),
      });
      const password = printedPassword(run.stdout);

      const second = await startApiProcess({
        name: 'embedded-2',
        ...embedded,
        startTimeoutMs: 120_000,
      });
      try {
        expect(await me(second, oldToken)).toBe(401);
        expect((await login(second, ADMIN.email, ADMIN.password)).status).toBe(
          401,
        );
        await tokenOf(await login(second, ADMIN.email, password));
      } finally {
        await second.stop();
      }
    });
  });
});
