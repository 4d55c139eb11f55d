import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseDuration } from './app-config';

const dir = () => mkdtempSync(join(tmpdir(), 'tally-config-'));

describe('loadConfig', () => {
  it('has working defaults for the embedded setup', () => {
    const c = loadConfig({ DATA_DIR: dir() });
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: null,
      jwtExpiresIn: 43200,
      redisUrl: null,
    });
    expect(c.ai).toMatchObject({ provider: 'local', maxOutputTokens: 1024 });
    expect(c.requestLogRetentionDays).toBe(90);
    expect(
      loadConfig({ DATA_DIR: dir(), REQUEST_LOG_RETENTION_DAYS: '7' })
        .requestLogRetentionDays,
    ).toBe(7);
  });

  it('generates a JWT secret once outside production and keeps it in DATA_DIR', () => {
    const d = dir();
    const a = loadConfig({ DATA_DIR: d });
    expect(a.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(d, 'jwt-secret'), 'utf8').trim()).toBe(
      a.jwtSecret,
    );
    expect(loadConfig({ DATA_DIR: d }).jwtSecret).toBe(a.jwtSecret);
  });

  it('requires JWT_SECRET in production and writes no file', () => {
    const d = dir();
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: d })).toThrow(
      /JWT_SECRET is required/,
    );
    expect(existsSync(join(d, 'jwt-secret'))).toBe(false);
    expect(
      loadConfig({
        NODE_ENV: 'production',
        DATA_DIR: d,
        JWT_SECRET: 's'.repeat(32),
      }).jwtSecret,
    ).toBe('s'.repeat(32));
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ JWT_EXPIRES_IN: 'soon' }, 'JWT_EXPIRES_IN'],
    [{ ADMIN_EMAIL: 'root@example.com' }, 'ADMIN_PASSWORD'],
    [{ ADMIN_EMAIL: 'nope', ADMIN_PASSWORD: 'password-1' }, 'ADMIN_EMAIL'],
    [{ ADMIN_EMAIL: 'a@b.c', ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ AI_PROVIDER: 'magic' }, 'AI_PROVIDER'],
    [{ AI_PROVIDER: 'openai' }, 'AI_BASE_URL'],
    [{ AI_TIMEOUT_MS: '-5' }, 'AI_TIMEOUT_MS'],
    [{ HOST: 'bad host' }, 'HOST'],
    [{ REQUEST_LOG_RETENTION_DAYS: '0' }, 'REQUEST_LOG_RETENTION_DAYS'],
    [{ REQUEST_LOG_RETENTION_DAYS: '30d' }, 'REQUEST_LOG_RETENTION_DAYS'],
  ])('stops on %j with one line naming %s', (env, variable) => {
    let err: unknown;
    try {
      loadConfig({ DATA_DIR: dir(), ...env });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(variable);
    expect((err as Error).message).toContain(variable);
    expect((err as Error).message).not.toContain('\n');
  });

  it('parses durations', () => {
    expect(parseDuration('X', '90')).toBe(90);
    expect(parseDuration('X', '15m')).toBe(900);
    expect(parseDuration('X', '12h')).toBe(43200);
    expect(parseDuration('X', '7d')).toBe(604800);
    expect(() => parseDuration('X', '0')).toThrow(ConfigError);
  });
});
