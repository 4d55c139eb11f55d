import { HttpStatus, Injectable } from '@nestjs/common';
import type { ApiKey, CreatedApiKey } from '@tally/api-contract';
import { createHash, randomBytes } from 'node:crypto';
import { ApiError, notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';

/** Every key starts with this, so a bearer token can be told from a JWT at a glance. */
export const API_KEY_PREFIX = 'tly_';

/** The most keys one user may have. */
export const MAX_KEYS_PER_USER = 50;

/** API keys carry 256 random bits: one SHA-256 is a safe hash for them (unlike passwords). */
export const hashApiKey = (key: string) =>
  createHash('sha256').update(key, 'utf8').digest('hex');

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
}

const toApiKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  created_at: r.created_at.toISOString(),
  last_used_at: r.last_used_at?.toISOString() ?? null,
});

@Injectable()
export class ApiKeysService {
  constructor(private readonly db: DatabaseService) {}

  async create(userId: string, name: string): Promise<CreatedApiKey> {
    const secret = randomBytes(32).toString('base64url');
    const key = `${API_KEY_PREFIX}${secret}`;
    const prefix = key.slice(0, API_KEY_PREFIX.length + 8);
    // The owner's row is locked while counting, so concurrent creations cannot pass 50 together.
    const row = await this.db.transaction(async (m) => {
      await m.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
      const [{ n }] = await m.query(
        'SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1',
        [userId],
      );
      if (n >= MAX_KEYS_PER_USER) {
        throw new ApiError(
          HttpStatus.CONFLICT,
          'TOO_MANY_KEYS',
          `A user can have at most ${MAX_KEYS_PER_USER} API keys; delete one first`,
        );
      }
      const [created] = (await m.query(
        `INSERT INTO api_keys (user_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4)
         RETURNING id, name, prefix, created_at, last_used_at`,
        [userId, name.trim(), prefix, hashApiKey(key)],
      )) as ApiKeyRow[];
      return created;
    });
    return {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      key,
      created_at: row.created_at.toISOString(),
    };
  }

  async list(userId: string): Promise<ApiKey[]> {
    const rows = await this.db.query<ApiKeyRow>(
      `SELECT id, name, prefix, created_at, last_used_at FROM api_keys WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(toApiKey);
  }

  async remove(userId: string, id: string): Promise<void> {
    const rows = await this.db.query(
      `DELETE FROM api_keys WHERE id = $1 AND user_id = $2 RETURNING id`,
      [id, userId],
    );
    if (rows.length === 0) throw notFound('API key');
  }

  /**
   * The owner of a key, if the key exists. Marks it used (at most once a
   * minute per key, to keep hot keys from writing on every request).
   */
  async resolve(key: string): Promise<string | null> {
    const rows = await this.db.query<{ user_id: string }>(
      `WITH k AS (SELECT id, user_id, last_used_at FROM api_keys WHERE key_hash = $1),
            touched AS (
              UPDATE api_keys SET last_used_at = now()
              WHERE id IN (SELECT id FROM k WHERE last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
            )
       SELECT user_id FROM k`,
      [hashApiKey(key)],
    );
    return rows[0]?.user_id ?? null;
  }
}
