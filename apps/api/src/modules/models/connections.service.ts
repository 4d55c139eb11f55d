import {
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import {
  type Connection,
  type ConnectionTestResult,
  MODEL_LIMITS,
} from '@tally/api-contract';
import { ApiError, notFound } from '../../common/api-error';
import {
  APP_CONFIG,
  type AppConfig,
  modelIdFrom,
} from '../../config/app-config';
import { DatabaseService } from '../../database/database.service';
import {
  BUILT_IN_CONNECTION_ID,
  ENVIRONMENT_CONNECTION_ID,
} from '../../database/migrations/1764410000000-models-and-cost';
import { AiProviders, type AiTarget, isAiFailure } from '../ai';
import type {
  CreateConnectionDto,
  UpdateConnectionDto,
} from './dto/connection.dto';
import { SecretBox } from './secret-box';

export { BUILT_IN_CONNECTION_ID, ENVIRONMENT_CONNECTION_ID };

/** A row of `ai_connections`. */
export interface ConnectionRow {
  id: string;
  name: string;
  kind: 'local' | 'openai';
  base_url: string;
  api_key_ciphertext: string | null;
  api_key_hint: string | null;
  token_parameter: 'max_tokens' | 'max_completion_tokens';
  timeout_ms: number;
  source: 'admin' | 'environment' | 'built-in';
  created_at: Date;
  updated_at: Date;
}

export const CONNECTION_COLUMNS = `id, name, kind, base_url, api_key_ciphertext, api_key_hint,
  token_parameter, timeout_ms, source, created_at, updated_at`;

const hintOf = (key: string | null): string | null =>
  key ? key.slice(-4) : null;

/**
 * Connections to AI providers. Admins add OpenAI-compatible ones; the
 * built-in local model's and the environment's (`AI_PROVIDER=openai`) are
 * read-only and the latter follows the environment at every start. API keys
 * are stored encrypted (AES-256-GCM under `SECRETS_KEY`) and never answered;
 * the environment's `AI_API_KEY` is never stored at all.
 */
@Injectable()
export class ConnectionsService implements OnModuleInit {
  private readonly logger = new Logger('Connections');
  private readonly box: SecretBox | null;

  constructor(
    private readonly db: DatabaseService,
    private readonly ai: AiProviders,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.box = config.secretsKey ? new SecretBox(config.secretsKey) : null;
  }

  async onModuleInit(): Promise<void> {
    await this.syncEnvironment();
  }

  /**
   * `AI_PROVIDER=openai`: the environment's connection and its model (id
   * from `AI_MODEL`) exist and follow `AI_BASE_URL`, the key's hint,
   * `AI_TIMEOUT_MS` and `AI_MODEL`. The model's name, prices, caps and
   * `enabled` stay the admin's once it exists.
   */
  async syncEnvironment(): Promise<void> {
    const ai = this.config.ai;
    if (ai.provider !== 'openai') return;
    await this.db.query(
      `INSERT INTO ai_connections (id, name, kind, base_url, api_key_hint, timeout_ms, source)
       VALUES ($1, 'Environment', 'openai', $2, $3, $4, 'environment')
       ON CONFLICT (id) DO UPDATE SET
         base_url = EXCLUDED.base_url, api_key_hint = EXCLUDED.api_key_hint,
         timeout_ms = EXCLUDED.timeout_ms, updated_at = now()
       WHERE (ai_connections.base_url, ai_connections.api_key_hint, ai_connections.timeout_ms)
         IS DISTINCT FROM (EXCLUDED.base_url, EXCLUDED.api_key_hint, EXCLUDED.timeout_ms)`,
      [ENVIRONMENT_CONNECTION_ID, ai.baseUrl, hintOf(ai.apiKey), ai.timeoutMs],
    );
    await this.db.query(
      `INSERT INTO ai_models (id, name, connection_id, upstream_model, max_output_tokens, context_tokens)
       VALUES ($1, $2, $3, $2, $4, $5)
       ON CONFLICT (id) DO UPDATE SET
         connection_id = EXCLUDED.connection_id, upstream_model = EXCLUDED.upstream_model, updated_at = now()
       WHERE (ai_models.connection_id, ai_models.upstream_model)
         IS DISTINCT FROM (EXCLUDED.connection_id, EXCLUDED.upstream_model)`,
      [
        modelIdFrom(ai.model),
        ai.model,
        ENVIRONMENT_CONNECTION_ID,
        Math.min(ai.maxOutputTokens, MODEL_LIMITS.maxOutputTokensMax),
        ai.contextTokens,
      ],
    );
  }

  async list(): Promise<Connection[]> {
    const rows = await this.db.query<ConnectionRow>(
      `SELECT ${CONNECTION_COLUMNS} FROM ai_connections
       ORDER BY CASE source WHEN 'built-in' THEN 0 WHEN 'environment' THEN 1 ELSE 2 END, created_at, id`,
    );
    return rows.map((r) => this.toConnection(r));
  }

  async get(id: string): Promise<Connection> {
    return this.toConnection(await this.row(id));
  }

  async create(dto: CreateConnectionDto): Promise<Connection> {
    const sealed = this.seal(dto.api_key);
    const [row] = await this.db.query<ConnectionRow>(
      `INSERT INTO ai_connections (name, kind, base_url, api_key_ciphertext, api_key_hint, token_parameter, timeout_ms, source)
       VALUES ($1, 'openai', $2, $3, $4, $5, $6, 'admin')
       RETURNING ${CONNECTION_COLUMNS}`,
      [
        dto.name,
        trimUrl(dto.base_url),
        sealed,
        hintOf(dto.api_key ?? null),
        dto.token_parameter ?? 'max_tokens',
        dto.timeout_ms ?? MODEL_LIMITS.timeoutMsDefault,
      ],
    );
    return this.toConnection(row);
  }

  async update(id: string, dto: UpdateConnectionDto): Promise<Connection> {
    await this.assertAdminOwned(id);
    // undefined: keep; null: remove; a string: replace.
    const keyChange = dto.api_key === undefined ? 0 : 1;
    const sealed = dto.api_key ? this.seal(dto.api_key) : null;
    const [row] = await this.db.query<ConnectionRow>(
      `UPDATE ai_connections SET
         name = coalesce($2, name),
         base_url = coalesce($3, base_url),
         api_key_ciphertext = CASE WHEN $4::int = 1 THEN $5 ELSE api_key_ciphertext END,
         api_key_hint = CASE WHEN $4::int = 1 THEN $6 ELSE api_key_hint END,
         token_parameter = coalesce($7, token_parameter),
         timeout_ms = coalesce($8::int, timeout_ms),
         updated_at = now()
       WHERE id = $1 AND source = 'admin'
       RETURNING ${CONNECTION_COLUMNS}`,
      [
        id,
        dto.name ?? null,
        dto.base_url ? trimUrl(dto.base_url) : null,
        keyChange,
        sealed,
        hintOf(dto.api_key ?? null),
        dto.token_parameter ?? null,
        dto.timeout_ms ?? null,
      ],
    );
    if (!row) throw notFound('Connection');
    return this.toConnection(row);
  }

  async remove(id: string): Promise<void> {
    await this.assertAdminOwned(id);
    const [row] = await this.db.query<{ deleted: number; in_use: number }>(
      `WITH used AS (SELECT count(*)::int AS n FROM ai_models WHERE connection_id = $1),
       gone AS (
         DELETE FROM ai_connections WHERE id = $1 AND source = 'admin'
           AND NOT EXISTS (SELECT 1 FROM ai_models WHERE connection_id = $1)
         RETURNING id
       )
       SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT n FROM used) AS in_use`,
      [id],
    );
    if (row && row.deleted > 0) return;
    if (row && row.in_use > 0)
      throw new ApiError(
        HttpStatus.CONFLICT,
        'CONNECTION_IN_USE',
        `${row.in_use} model(s) use this connection; delete them or move them to another connection first`,
      );
    throw notFound('Connection');
  }

  /** The provider's `GET /models`; a failure is `{ok: false}`, never an error answer. */
  async test(id: string): Promise<ConnectionTestResult> {
    const row = await this.row(id);
    try {
      const models = await this.ai.listModels(
        this.targetOf(row, { id: 'test', upstream_model: 'tally-local' }),
      );
      return { ok: true, models };
    } catch (err) {
      // The log may quote the provider; the answer never does (its body may be anyone's: a redirect's target, a proxy's page).
      this.logger.warn(
        `Connection test of "${row.name}" failed: ${(err as Error).message}`,
      );
      return {
        ok: false,
        error: isAiFailure(err)
          ? err.adminMessage
          : 'The provider could not be asked for its models',
      };
    }
  }

  /** Where a model of this connection sends its answers; the key decrypted here, in memory only. */
  targetOf(
    row: Pick<
      ConnectionRow,
      | 'kind'
      | 'base_url'
      | 'api_key_ciphertext'
      | 'token_parameter'
      | 'timeout_ms'
      | 'source'
    >,
    model: { id: string; upstream_model: string },
  ): AiTarget {
    return {
      modelId: model.id,
      kind: row.kind,
      baseUrl: row.base_url,
      apiKey:
        row.source === 'environment'
          ? this.config.ai.apiKey
          : this.unseal(row.api_key_ciphertext),
      upstreamModel: model.upstream_model,
      tokenParameter: row.token_parameter,
      timeoutMs: row.timeout_ms,
    };
  }

  private seal(key: string | undefined | null): string | null {
    if (!key) return null;
    if (!this.box)
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'SECRETS_KEY_REQUIRED',
        'Set SECRETS_KEY (at least 32 bytes, hex or base64) before storing API keys',
      );
    return this.box.seal(key);
  }

  private unseal(sealed: string | null): string | null {
    if (!sealed) return null;
    try {
      if (!this.box) throw new Error('SECRETS_KEY is not set');
      return this.box.open(sealed);
    } catch (err) {
      this.logger.error(
        `A connection's API key cannot be decrypted (was SECRETS_KEY changed?): ${(err as Error).message}`,
      );
      return null;
    }
  }

  private async row(id: string): Promise<ConnectionRow> {
    const [row] = await this.db.query<ConnectionRow>(
      `SELECT ${CONNECTION_COLUMNS} FROM ai_connections WHERE id = $1`,
      [id],
    );
    if (!row) throw notFound('Connection');
    return row;
  }

  private async assertAdminOwned(id: string): Promise<void> {
    const row = await this.row(id);
    if (row.source !== 'admin')
      throw new ApiError(
        HttpStatus.CONFLICT,
        'MANAGED_BY_ENVIRONMENT',
        row.source === 'built-in'
          ? 'The built-in connection cannot be changed or deleted'
          : 'This connection follows AI_PROVIDER, AI_BASE_URL and AI_API_KEY; change the environment instead',
      );
  }

  private toConnection(r: ConnectionRow): Connection {
    const env = r.source === 'environment';
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      base_url: r.base_url,
      has_api_key: env
        ? this.config.ai.apiKey !== null
        : r.api_key_ciphertext !== null,
      api_key_hint: env ? hintOf(this.config.ai.apiKey) : r.api_key_hint,
      token_parameter: r.token_parameter,
      timeout_ms: Number(r.timeout_ms),
      source: r.source,
      created_at: new Date(r.created_at).toISOString(),
      updated_at: new Date(r.updated_at).toISOString(),
    };
  }
}

const trimUrl = (url: string) => url.replace(/\/+$/, '');
