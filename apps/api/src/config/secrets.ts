import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  makeFilePrivate,
  PRIVATE_DIR_MODE,
  writePrivateFile,
} from '../common/private-files';
import { ConfigError, type Env, str } from './env';

/** The secrets of the API: the key that seals provider keys, and the JWT secret. */

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
export function secretsKey(
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
export function jwtSecret(
  env: Env,
  production: boolean,
  dataDir: string,
): string {
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
