import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ConfigError,
  type Env,
  int,
  oneOf,
  parseDuration,
  str,
  url,
} from './env';
import { jwtSecret, secretsKey } from './secrets';
import { type SsoConfig, ssoConfig } from './sso-config';
import { trustProxy } from './trust-proxy';

export { ConfigError, parseDuration } from './env';
export { parseSecretsKey } from './secrets';
export { trustProxy } from './trust-proxy';
export type { OidcConfig, SsoConfig } from './sso-config';

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
  /** Days the request log keeps a row (`REQUEST_LOG_RETENTION_DAYS`); older rows are pruned at start and hourly. */
  requestLogRetentionDays: number;
  sso: SsoConfig;
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
    requestLogRetentionDays: int(
      env,
      'REQUEST_LOG_RETENTION_DAYS',
      90,
      1,
      36500,
    ),
    sso: ssoConfig(env),
    testing: {
      settleStoreDelayMs: int(env, 'TEST_SETTLE_STORE_DELAY_MS', 0, 0, 60000),
    },
  };
}

/** Injection token for the validated `AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');
