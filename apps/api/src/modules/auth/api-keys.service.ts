import { HttpStatus, Injectable } from '@nestjs/common';
import type {
  ApiKey,
  ApiKeyLimitUse,
  CreateApiKeyRequest,
  CreatedApiKey,
  RotateApiKeyRequest,
  UpdateApiKeyRequest,
} from '@tally/api-contract';
import { createHash, randomBytes } from 'node:crypto';
import { ApiError, notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { CATALOG_VERSION_SQL } from '../models/model-catalog';
import { ModelsService } from '../models/models.service';
import { LimitsService } from '../usage/limits.service';
import type { AppliedLimit } from '../usage/quota';
import { UsageService } from '../usage/usage.service';
import { type AuthRow, authColumns } from '../users/users.service';
import { checkedExpiry, checkedLimits } from './api-key-input';

/** Every key starts with this, so a bearer token can be told from a JWT at a glance. */
export const API_KEY_PREFIX = 'tly_';

/** The most keys one user may have. */
export const MAX_KEYS_PER_USER = 50;

/** API keys carry 256 random bits: one SHA-256 is a safe hash for them (unlike passwords). */
export const hashApiKey = (key: string) =>
  createHash('sha256').update(key, 'utf8').digest('hex');

/** A new secret: the full key (shown once), its hash and the prefix shown to recognise it. */
function newSecret() {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return {
    key,
    hash: hashApiKey(key),
    prefix: key.slice(0, API_KEY_PREFIX.length + 8),
  };
}

/** Who a key is: its id, its owner and the models it is restricted to. */
export interface ResolvedKey {
  id: string;
  userId: string;
  models: string[] | null;
  /** Past its `expires_at` (by the database's clock, when read): refused. */
  expired: boolean;
  /** The key's owner, read in the same statement. */
  user: AuthRow;
  /** `catalog_version` read in the same statement (see ModelCatalog); null without its row. */
  catalogVersion: string | null;
}

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  models: string[] | null;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
}

const COLUMNS =
  'id, name, prefix, models, created_at, last_used_at, expires_at';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

const toApiKey = (r: ApiKeyRow, limits: ApiKeyLimitUse[] = []): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  models: r.models,
  limits,
  created_at: new Date(r.created_at).toISOString(),
  last_used_at: iso(r.last_used_at),
  expires_at: iso(r.expires_at),
});

/** The same ids once each, in their first order. */
const distinct = (ids: readonly string[]) => [...new Set(ids)];

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: DatabaseService,
    private readonly models: ModelsService,
    private readonly limits: LimitsService,
    private readonly usage: UsageService,
  ) {}

  async create(
    userId: string,
    dto: CreateApiKeyRequest,
  ): Promise<CreatedApiKey> {
    const models = await this.checkedModels(dto.models);
    const { key, hash, prefix } = newSecret();
    const limits = checkedLimits(dto.limits);
    const expiresAt = checkedExpiry(dto.expires_at);
    // The owner's row is locked while counting, so concurrent creations cannot pass 50 together.
    const row = await this.db.inTransaction(async (tx) => {
      await tx.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
      const [{ n }] = await tx.query<{ n: number }>(
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
      const [created] = await tx.query<ApiKeyRow>(
        `INSERT INTO api_keys (user_id, name, prefix, key_hash, models, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING ${COLUMNS}`,
        [
          userId,
          dto.name.trim(),
          prefix,
          hash,
          models ?? null,
          expiresAt ?? null,
        ],
      );
      if (limits) await this.limits.setOwnerKeyLimits(created.id, limits, tx);
      return created;
    });
    return { ...(await this.withUse(userId, [row]))[0], key };
  }

  async list(userId: string): Promise<ApiKey[]> {
    const rows = await this.db.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return this.withUse(userId, rows);
  }

  /**
   * Changes the name, the model list (`models: null` lifts the restriction),
   * the owner's limits (`limits` replaces them all; an admin's stay) and
   * the expiry (`expires_at: null`: never); 404 unless the caller's.
   */
  async update(
    userId: string,
    id: string,
    dto: UpdateApiKeyRequest,
  ): Promise<ApiKey> {
    const models = await this.checkedModels(dto.models);
    const limits = checkedLimits(dto.limits);
    const expiresAt = checkedExpiry(dto.expires_at);
    const row = await this.db.inTransaction(async (tx) => {
      const [updated] = await tx.query<ApiKeyRow>(
        `UPDATE api_keys SET
           name = coalesce($3, name),
           models = CASE WHEN $4 THEN $5::text[] ELSE models END,
           expires_at = CASE WHEN $6 THEN $7::timestamptz ELSE expires_at END
         WHERE id = $1 AND user_id = $2
         RETURNING ${COLUMNS}`,
        [
          id,
          userId,
          dto.name?.trim() ?? null,
          dto.models !== undefined,
          models ?? null,
          expiresAt !== undefined,
          expiresAt ?? null,
        ],
      );
      if (!updated) throw notFound('API key');
      if (limits) await this.limits.setOwnerKeyLimits(id, limits, tx);
      return updated;
    });
    return (await this.withUse(userId, [row]))[0];
  }

  /**
   * A new secret for the key: the same id, models, limits, use and expiry.
   * The secret it replaces keeps working for `grace_seconds` (0: stops at
   * once); one before that stops at once. 404 unless the caller's.
   */
  async rotate(
    userId: string,
    id: string,
    dto: RotateApiKeyRequest,
  ): Promise<CreatedApiKey> {
    const { key, hash, prefix } = newSecret();
    const grace = dto.grace_seconds ?? 0;
    const [row] = await this.db.query<ApiKeyRow>(
      `UPDATE api_keys SET
         previous_hash = CASE WHEN $5::int > 0 THEN key_hash END,
         previous_expires_at = CASE WHEN $5::int > 0 THEN now() + $5::int * interval '1 second' END,
         key_hash = $3,
         prefix = $4
       WHERE id = $1 AND user_id = $2
       RETURNING ${COLUMNS}`,
      [id, userId, hash, prefix, grace],
    );
    if (!row) throw notFound('API key');
    return { ...(await this.withUse(userId, [row]))[0], key };
  }

  /** Deletes the key and every limit on it, an admin's too; it stops working at once. */
  async remove(userId: string, id: string): Promise<void> {
    await this.db.inTransaction(async (tx) => {
      const rows = await tx.query(
        `DELETE FROM api_keys WHERE id = $1 AND user_id = $2 RETURNING id`,
        [id, userId],
      );
      if (rows.length === 0) throw notFound('API key');
      await this.limits.removeSubject('api_key', id, tx);
    });
  }

  /**
   * The key, if it exists, with its owner as every request reads them
   * (`findForAuth`'s columns), in one statement. A key is found by its
   * secret, or by the one it was rotated from while that one's grace lasts.
   * Whether it has expired is judged by the stored times at each call, so
   * it is exact to the statement. Marks a live key used at most once a
   * minute per key, in the same statement, so that a hot key does not
   * write (and wait for a commit) on every request. Reads the model
   * catalog's version too, so that the request's model comes from memory
   * unless the catalog changed (ModelCatalog).
   */
  async resolve(key: string): Promise<ResolvedKey | null> {
    const rows = await this.db.prepared<
      AuthRow & {
        key_id: string;
        models: string[] | null;
        expired: boolean;
        catalog_version: string | null;
      }
    >(
      'tally_resolve_api_key_v5',
      `WITH k AS (
              SELECT id, user_id, models, last_used_at,
                     coalesce(expires_at <= now(), false) AS expired
              FROM api_keys
              WHERE key_hash = $1 OR (previous_hash = $1 AND previous_expires_at > now())
            ),
            touched AS (
              UPDATE api_keys SET last_used_at = now()
              WHERE id IN (
                SELECT id FROM k
                WHERE NOT expired AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
            )
       SELECT k.id AS key_id, k.models, k.expired, ${authColumns('u')},
              ${CATALOG_VERSION_SQL} AS catalog_version
       FROM k JOIN users u ON u.id = k.user_id`,
      [hashApiKey(key)],
    );
    const row = rows[0];
    if (!row) return null;
    const { key_id, models, expired, catalog_version, ...user } = row;
    return {
      id: key_id,
      userId: user.id,
      models,
      expired,
      user,
      catalogVersion: catalog_version,
    };
  }

  /**
   * The keys with their limits (the owner's and the admins') and each
   * one's use in the window now in force: read as a send would apply them,
   * once over all models and once for each model an admin's limit counts.
   */
  private async withUse(userId: string, rows: ApiKeyRow[]): Promise<ApiKey[]> {
    const onKeys = await this.limits.apiKeyLimits(rows.map((r) => r.id));
    return Promise.all(
      rows.map(async (r) => {
        const limits = onKeys.get(r.id);
        if (!limits) return toApiKey(r);
        const models = distinct(limits.map((l) => l.model ?? ''));
        const applied = new Map<string, AppliedLimit>();
        for (const model of models) {
          const found = await this.usage.limitsOf({
            userId,
            model: model || null,
            apiKeyId: r.id,
          });
          for (const l of found) applied.set(l.id, l);
        }
        const uses = limits.flatMap((l): ApiKeyLimitUse[] => {
          const use = applied.get(l.id);
          if (!use) return [];
          return [
            {
              id: l.id,
              set_by: l.setBy,
              metric: l.metric,
              window: l.window,
              model: l.model,
              amount: l.amount,
              used: use.used,
              resets_at: use.resets_at,
            },
          ];
        });
        return toApiKey(r, uses);
      }),
    );
  }

  /** Distinct model ids, each of the catalog (400 `UNKNOWN_MODEL` otherwise); null and undefined as given. */
  private async checkedModels(
    models: readonly string[] | null | undefined,
  ): Promise<string[] | null | undefined> {
    if (models === undefined) return undefined;
    if (models === null) return null;
    const ids = distinct(models);
    await this.models.requireKnown(ids);
    return ids;
  }
}
