import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import {
  makeFilePrivate,
  PRIVATE_DIR_MODE,
  writePrivateFile,
} from '../common/private-files';

/**
 * The whole configuration of the API, read and validated once at start-up.
 * Nothing else in the code reads `process.env`.
 */
export interface AppConfig {
  nodeEnv: string;
  production: boolean;
  port: number;
  host: string;
  /** Null: embedded PGlite in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  jwtSecret: string;
  /**
   * The 32-byte AES-256-GCM key that encrypts provider API keys
   * (`SECRETS_KEY`); null in production without it (storing a key is refused).
   */
  secretsKey: Buffer | null;
  /** Access token lifetime in seconds. */
  jwtExpiresIn: number;
  adminEmail: string | null;
  adminPassword: string | null;
  redisUrl: string | null;
  /** Where the built web app lives (served at `/`), or null to serve none. */
  webDir: string | null;
  /** Largest JSON body accepted, in bytes. */
  bodyLimitBytes: number;
  /** Log level: error, warn, log, debug. */
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** `json`: one JSON object per line (default in production); `text`: readable, for development. */
  logFormat: 'json' | 'text';
  /** With it set, `GET /metrics` needs `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | null;
  ai: AiConfig;
  quota: QuotaConfig;
  auth: AuthConfig;
  /**
   * Whose `X-Forwarded-For` to believe (Express's `trust proxy`): false, the
   * socket's address only; a hop count; or addresses, CIDRs and the names
   * `loopback`, `linklocal`, `uniquelocal`.
   */
  trustProxy: false | number | string[];
  /** On SIGTERM, how long answers in progress may go on before they are cut. */
  shutdownGraceSeconds: number;
  alerts: AlertsConfig;
  testing: TestingConfig;
}

/** The delivery of alerts (API.md "Alerts"); the defaults are the contract's. */
export interface AlertsConfig {
  /** How often this process looks for alerts to deliver; 0: it records alerts but never delivers (another process does). */
  pollMs: number;
  /** How long one delivery may take before it counts as failed. */
  timeoutMs: number;
  /** The wait before the first retry; each retry waits twice the one before. */
  firstRetryMs: number;
  /** The longest wait between two attempts. */
  maxRetryMs: number;
  /** How long after its creation an alert is tried before it is given up. */
  giveUpMs: number;
}

export interface AiConfig {
  provider: 'local' | 'openai';
  baseUrl: string;
  apiKey: string | null;
  model: string;
  timeoutMs: number;
  systemPrompt: string | null;
  maxOutputTokens: number;
  /** Tokens of history (plus the new message) sent upstream at most. */
  contextTokens: number;
  /** Milliseconds between pieces of the local model's answer. */
  localDelayMs: number;
}

export interface QuotaConfig {
  /** A hold not renewed for this long belongs to a dead process and is released. */
  holdTtlSeconds: number;
  /** How often a process renews its holds and reaps expired ones. */
  holdHeartbeatSeconds: number;
}

/** Switches for tests only; all off by default. */
export interface TestingConfig {
  /**
   * A pause between the two steps that end an answer (settling its quota
   * hold and storing it), to make a crash between them easy to hit.
   */
  settleStoreDelayMs: number;
}

export interface AuthConfig {
  /**
   * Failed logins allowed per window per client address and email before
   * 429; 10× that per address over all emails, 4× per email over all addresses.
   */
  loginAttempts: number;
  loginWindowSeconds: number;
  /** Registrations allowed per client address per hour before 429. */
  registerMaxPerHour: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v.trim() === '' ? null : v.trim();
}

function int(
  env: Env,
  name: string,
  def: number,
  min: number,
  max: number,
): number {
  const raw = str(env, name);
  if (raw === null) return def;
  if (!/^\d+$/.test(raw))
    throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function oneOf<T extends string>(
  env: Env,
  name: string,
  values: readonly T[],
  def: T,
): T {
  const raw = str(env, name);
  if (raw === null) return def;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(
      name,
      `must be one of ${values.join(', ')}, got "${raw}"`,
    );
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = str(env, name);
  if (raw === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
  }
  return raw;
}

/** `3600`, `60s`, `15m`, `12h`, `7d` → seconds. */
export function parseDuration(name: string, raw: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!m)
    throw new ConfigError(
      name,
      `must be a duration such as 3600, 15m, 12h or 7d, got "${raw}"`,
    );
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[
    m[2] as '' | 's' | 'm' | 'h' | 'd'
  ];
  const seconds = n * unit;
  if (seconds < 1 || seconds > 365 * 86400)
    throw new ConfigError(name, 'must be between 1 second and 365 days');
  return seconds;
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** `TRUST_PROXY`: unset (the socket's address), a hop count, or a list of addresses, CIDRs and names. */
export function trustProxy(env: Env): false | number | string[] {
  const raw = str(env, 'TRUST_PROXY');
  if (raw === null || raw === 'false') return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 100)
      throw new ConfigError(
        'TRUST_PROXY',
        `must be at most 100 hops, got ${hops}`,
      );
    return hops === 0 ? false : hops;
  }
  const items = raw.split(',').map((x) => x.trim());
  for (const item of items) {
    if (PROXY_NAMES.includes(item)) continue;
    const [addr, bits, ...rest] = item.split('/');
    const family = isIP(addr);
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      rest.length > 0 ||
      (bits !== undefined && (!/^\d+$/.test(bits) || Number(bits) > max))
    ) {
      throw new ConfigError(
        'TRUST_PROXY',
        `must be a hop count, or addresses, CIDRs and ${PROXY_NAMES.join(', ')} separated by commas; "${item}" is none of these`,
      );
    }
  }
  return items;
}

/**
 * The catalog id of the environment's model (`AI_MODEL`): lower-cased, other
 * characters outside `^[a-z0-9][a-z0-9._:-]{0,63}$` become `-`.
 */
export function modelIdFrom(name: string): string {
  let id = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._:-]/g, '-')
    .slice(0, 64);
  if (!/^[a-z0-9]/.test(id)) id = `m${id}`.slice(0, 64);
  return id;
}

/** The model `default_model` is until an admin sets it: the environment's (`AI_PROVIDER=openai`) or `local`. */
export function defaultModelOf(
  ai: Pick<AiConfig, 'provider' | 'model'>,
): string {
  return ai.provider === 'openai' ? modelIdFrom(ai.model) : 'local';
}

/** `SECRETS_KEY`: at least 32 bytes, as hex or base64 (standard or URL-safe). */
export function parseSecretsKey(raw: string): Buffer {
  const text = raw.trim();
  const bytes = /^(?:[0-9a-fA-F]{2})+$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(text)
      ? Buffer.from(text, 'base64')
      : null;
  if (!bytes || bytes.length < 32)
    throw new ConfigError(
      'SECRETS_KEY',
      'must be at least 32 bytes, written as hex or base64',
    );
  // Exactly 32 bytes of key, whatever the length given.
  return bytes.length === 32
    ? bytes
    : createHash('sha256').update(bytes).digest();
}

/**
 * Outside production a missing `SECRETS_KEY` is generated once and kept in
 * the data folder (mode 0600), like the JWT secret; in production it stays
 * missing and storing a provider key is refused.
 */
function secretsKey(
  env: Env,
  production: boolean,
  dataDir: string,
): Buffer | null {
  const raw = str(env, 'SECRETS_KEY');
  if (raw !== null) return parseSecretsKey(raw);
  if (production) return null;
  const file = join(dataDir, 'secrets-key');
  makeFilePrivate(file);
  if (existsSync(file)) {
    try {
      return parseSecretsKey(readFileSync(file, 'utf8'));
    } catch {
      // An unreadable key file is replaced below.
    }
  }
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const key = randomBytes(32);
  writePrivateFile(file, key.toString('base64') + '\n');
  return key;
}

/** Outside production a missing JWT secret is generated once and kept in the data folder. */
function jwtSecret(env: Env, production: boolean, dataDir: string): string {
  const raw = str(env, 'JWT_SECRET');
  if (raw !== null) {
    if (raw.length < 16)
      throw new ConfigError(
        'JWT_SECRET',
        'must be at least 16 characters long',
      );
    return raw;
  }
  if (production)
    throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');
  const file = join(dataDir, 'jwt-secret');
  makeFilePrivate(file);
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 16) return kept;
  }
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const secret = randomBytes(48).toString('base64url');
  writePrivateFile(file, secret + '\n');
  return secret;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = str(env, 'NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  const dataDir = resolve(str(env, 'DATA_DIR') ?? './data');
  const host = str(env, 'HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host))
    throw new ConfigError('HOST', `is not a host name or address: "${host}"`);

  const adminEmail = str(env, 'ADMIN_EMAIL');
  const adminPassword = str(env, 'ADMIN_PASSWORD');
  if (adminEmail !== null && !/^[^\s@]+@[^\s@]+$/.test(adminEmail)) {
    throw new ConfigError('ADMIN_EMAIL', 'is not an email address');
  }
  if ((adminEmail === null) !== (adminPassword === null)) {
    throw new ConfigError(
      adminEmail === null ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD',
      'must be set together with the other',
    );
  }
  if (
    adminPassword !== null &&
    (adminPassword.length < 8 || adminPassword.length > 128)
  ) {
    throw new ConfigError('ADMIN_PASSWORD', 'must be 8 to 128 characters long');
  }

  const provider = oneOf(
    env,
    'AI_PROVIDER',
    ['local', 'openai'] as const,
    'local',
  );
  const aiBaseUrl = url(env, 'AI_BASE_URL', ['http:', 'https:']);
  if (provider === 'openai' && aiBaseUrl === null) {
    throw new ConfigError('AI_BASE_URL', 'is required when AI_PROVIDER=openai');
  }

  const webDirRaw = str(env, 'WEB_DIR');
  // The production build puts the web app beside the API: dist/apps/web/browser next to dist/apps/api.
  const builtWeb = resolve(__dirname, '../web/browser');

  return {
    nodeEnv,
    production,
    port: int(env, 'PORT', 3000, 0, 65535),
    host,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir,
    jwtSecret: jwtSecret(env, production, dataDir),
    secretsKey: secretsKey(env, production, dataDir),
    jwtExpiresIn: parseDuration(
      'JWT_EXPIRES_IN',
      str(env, 'JWT_EXPIRES_IN') ?? '12h',
    ),
    adminEmail: adminEmail?.toLowerCase() ?? null,
    adminPassword,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    webDir:
      webDirRaw !== null
        ? resolve(webDirRaw)
        : existsSync(join(builtWeb, 'index.html'))
          ? builtWeb
          : null,
    bodyLimitBytes: int(
      env,
      'BODY_LIMIT_BYTES',
      256 * 1024,
      1024,
      64 * 1024 * 1024,
    ),
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['error', 'warn', 'log', 'debug'] as const,
      'log',
    ),
    logFormat: oneOf(
      env,
      'LOG_FORMAT',
      ['json', 'text'] as const,
      production ? 'json' : 'text',
    ),
    metricsToken: str(env, 'METRICS_TOKEN'),
    ai: {
      provider,
      baseUrl: (aiBaseUrl ?? 'http://127.0.0.1:11434/v1').replace(/\/+$/, ''),
      apiKey: str(env, 'AI_API_KEY'),
      model:
        str(env, 'AI_MODEL') ??
        (provider === 'local' ? 'tally-local' : 'gpt-4o-mini'),
      timeoutMs: int(env, 'AI_TIMEOUT_MS', 60000, 100, 3600000),
      systemPrompt: str(env, 'AI_SYSTEM_PROMPT'),
      maxOutputTokens: int(env, 'AI_MAX_OUTPUT_TOKENS', 1024, 1, 1000000),
      contextTokens: int(env, 'AI_CONTEXT_TOKENS', 8192, 256, 10000000),
      localDelayMs: int(env, 'AI_LOCAL_DELAY_MS', 25, 0, 10000),
    },
    quota: {
      holdTtlSeconds: int(env, 'QUOTA_HOLD_TTL_SECONDS', 120, 2, 86400),
      holdHeartbeatSeconds: int(
        env,
        'QUOTA_HOLD_HEARTBEAT_SECONDS',
        15,
        1,
        3600,
      ),
    },
    auth: {
      loginAttempts: int(env, 'LOGIN_MAX_ATTEMPTS', 5, 1, 10000),
      loginWindowSeconds: int(env, 'LOGIN_WINDOW_SECONDS', 60, 1, 86400),
      registerMaxPerHour: int(env, 'REGISTER_MAX_PER_HOUR', 10, 1, 1000000),
    },
    trustProxy: trustProxy(env),
    shutdownGraceSeconds: int(env, 'SHUTDOWN_GRACE_SECONDS', 30, 0, 86400),
    alerts: {
      pollMs: int(env, 'ALERTS_POLL_MS', 1000, 0, 60000),
      timeoutMs: int(env, 'ALERTS_TIMEOUT_MS', 10000, 100, 60000),
      firstRetryMs: int(env, 'ALERTS_FIRST_RETRY_MS', 5000, 10, 5000),
      maxRetryMs: int(env, 'ALERTS_MAX_RETRY_MS', 600000, 10, 600000),
      giveUpMs: int(env, 'ALERTS_GIVE_UP_SECONDS', 86400, 1, 86400 * 7) * 1000,
    },
    testing: {
      settleStoreDelayMs: int(env, 'TEST_SETTLE_STORE_DELAY_MS', 0, 0, 60000),
    },
  };
}

/** Injection token for the validated `AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');
