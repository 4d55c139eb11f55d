import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app';

/** Every path under `dir` (itself included) with its permission bits. */
function modes(dir: string): { path: string; dir: boolean; mode: number }[] {
  const out = [{ path: dir, dir: true, mode: statSync(dir).mode & 0o777 }];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...modes(path));
    else if (entry.isFile())
      out.push({ path, dir: false, mode: statSync(path).mode & 0o777 });
  }
  return out;
}

/** The paths whose mode lets anyone but the owner in (directories 0700, files 0600 expected). */
function open(dir: string): string[] {
  return modes(dir)
    .filter((e) => e.mode !== (e.dir ? 0o700 : 0o600))
    .map((e) => `${e.path} ${e.mode.toString(8)}`);
}

/** What an older version left behind: directories 0755, files 0666 (PGlite's own mode). */
function openUp(dir: string): void {
  for (const e of modes(dir)) chmodSync(e.path, e.dir ? 0o755 : 0o666);
}

/**
 * The embedded database, the JWT secret and the secrets key are private to
 * the API's user: directories 0700, files 0600, on a fresh install and on an
 * existing one whose files were left open.
 */
describe('file modes of the data folder (PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-modes-'));
  const pglite = join(dataDir, 'pglite');
  let t: TestApp | undefined;
  const start = () =>
    startTestApp({
      embedded: true,
      dataDir,
      // No JWT_SECRET or SECRETS_KEY: both are generated into the data folder.
      env: { JWT_SECRET: '', SECRETS_KEY: '' },
    });

  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the database directory 0700 with files 0600, and the secret files 0600', async () => {
    t = await start();
    expect(await t.login()).toBeTruthy();
    const files = modes(pglite).filter((e) => !e.dir);
    expect(files.length).toBeGreaterThan(100);
    expect(open(pglite)).toEqual([]);
    for (const name of readdirSync(dataDir).filter((n) => n !== 'pglite')) {
      expect([name, statSync(join(dataDir, name)).mode & 0o777]).toEqual([
        name,
        0o600,
      ]);
    }
    expect(readdirSync(dataDir)).toContain('jwt-secret');
    await t.close();
    t = undefined;
    expect(open(pglite)).toEqual([]);
  }, 300_000);

  it('fixes an existing install at start-up, keeping its data', async () => {
    openUp(dataDir);
    expect(open(pglite).length).toBeGreaterThan(100);
    expect(statSync(join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o666);
    t = await start();
    expect(await t.login()).toBeTruthy();
    expect(open(pglite)).toEqual([]);
    for (const name of readdirSync(dataDir).filter((n) => n !== 'pglite')) {
      expect([name, statSync(join(dataDir, name)).mode & 0o777]).toEqual([
        name,
        0o600,
      ]);
    }
  }, 300_000);
});
