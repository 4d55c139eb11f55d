import { HttpStatus, Injectable } from '@nestjs/common';
import type { Model, ModelInfo, ModelInfoList } from '@tally/api-contract';
import { ApiError, notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { AiProviders, type AiProvider } from '../ai';
import { SettingsService } from '../settings/settings.service';
import {
  CONNECTION_COLUMNS,
  type ConnectionRow,
  ConnectionsService,
} from './connections.service';
import type { CreateModelDto, UpdateModelDto } from './dto/model.dto';
import type { ModelPrices } from './cost';
import { ModelCatalog } from './model-catalog';

interface ModelRow {
  id: string;
  name: string;
  connection_id: string;
  upstream_model: string;
  enabled: boolean;
  input_price: string | number;
  output_price: string | number;
  max_output_tokens: number;
  context_tokens: number;
  created_at: Date;
  updated_at: Date;
}

const MODEL_COLUMNS = `id, name, connection_id, upstream_model, enabled, input_price, output_price,
  max_output_tokens, context_tokens, created_at, updated_at`;

/** A model ready to answer: its catalog entry, prices at this moment, and its adapter. */
export interface ModelForSend {
  id: string;
  name: string;
  prices: ModelPrices;
  maxOutputTokens: number;
  contextTokens: number;
  provider: AiProvider;
}

export const unknownModel = (id: string) =>
  new ApiError(
    HttpStatus.BAD_REQUEST,
    'UNKNOWN_MODEL',
    `There is no enabled model "${id}"`,
  );

const isDefault = (id: string) =>
  new ApiError(
    HttpStatus.CONFLICT,
    'MODEL_IS_DEFAULT',
    `"${id}" is the default model; make another model the default first`,
  );

/**
 * The model catalog: what users can pick, at what price, on which
 * connection. The setting `default_model` names an enabled model; new chats
 * use it, and so does every send whose chat's model is gone or disabled.
 */
@Injectable()
export class ModelsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly connections: ConnectionsService,
    private readonly settings: SettingsService,
    private readonly ai: AiProviders,
    private readonly catalog: ModelCatalog,
  ) {}

  async list(): Promise<Model[]> {
    const rows = await this.db.query<ModelRow>(
      `SELECT ${MODEL_COLUMNS} FROM ai_models ORDER BY id`,
    );
    return rows.map(toModel);
  }

  /** `GET /api/models`: the enabled models and the default. */
  async listEnabled(): Promise<ModelInfoList> {
    const rows = await this.db.query<ModelRow>(
      `SELECT ${MODEL_COLUMNS} FROM ai_models WHERE enabled ORDER BY id`,
    );
    return {
      items: rows.map(toModelInfo),
      default_model: await this.settings.value('default_model'),
    };
  }

  async get(id: string): Promise<Model> {
    const [row] = await this.db.query<ModelRow>(
      `SELECT ${MODEL_COLUMNS} FROM ai_models WHERE id = $1`,
      [id],
    );
    if (!row) throw notFound('Model');
    return toModel(row);
  }

  async create(dto: CreateModelDto): Promise<Model> {
    await this.connections.get(dto.connection_id);
    const [row] = await this.db.query<ModelRow>(
      `INSERT INTO ai_models (id, name, connection_id, upstream_model, enabled, input_price, output_price,
         max_output_tokens, context_tokens)
       VALUES ($1, $2, $3, $4, coalesce($5, true), $6, $7, coalesce($8, 1024), coalesce($9, 8192))
       ON CONFLICT (id) DO NOTHING
       RETURNING ${MODEL_COLUMNS}`,
      [
        dto.id,
        dto.name,
        dto.connection_id,
        dto.upstream_model,
        dto.enabled ?? null,
        dto.input_price,
        dto.output_price,
        dto.max_output_tokens ?? null,
        dto.context_tokens ?? null,
      ],
    );
    if (!row)
      throw new ApiError(
        HttpStatus.CONFLICT,
        'MODEL_EXISTS',
        `A model with the id "${dto.id}" exists`,
      );
    return toModel(row);
  }

  async update(id: string, dto: UpdateModelDto): Promise<Model> {
    if (dto.connection_id !== undefined)
      await this.connections.get(dto.connection_id);
    if (
      dto.enabled === false &&
      (await this.settings.value('default_model')) === id
    )
      throw isDefault(id);
    const [row] = await this.db.query<ModelRow>(
      `UPDATE ai_models SET
         name = coalesce($2, name),
         connection_id = coalesce($3::uuid, connection_id),
         upstream_model = coalesce($4, upstream_model),
         enabled = coalesce($5, enabled),
         input_price = coalesce($6::numeric, input_price),
         output_price = coalesce($7::numeric, output_price),
         max_output_tokens = coalesce($8::int, max_output_tokens),
         context_tokens = coalesce($9::int, context_tokens),
         updated_at = now()
       WHERE id = $1
       RETURNING ${MODEL_COLUMNS}`,
      [
        id,
        dto.name ?? null,
        dto.connection_id ?? null,
        dto.upstream_model ?? null,
        dto.enabled ?? null,
        dto.input_price ?? null,
        dto.output_price ?? null,
        dto.max_output_tokens ?? null,
        dto.context_tokens ?? null,
      ],
    );
    if (!row) throw notFound('Model');
    return toModel(row);
  }

  /** Past usage keeps the model's id. */
  async remove(id: string): Promise<void> {
    if ((await this.settings.value('default_model')) === id)
      throw isDefault(id);
    const rows = await this.db.query(
      `DELETE FROM ai_models WHERE id = $1 RETURNING id`,
      [id],
    );
    if (rows.length === 0) throw notFound('Model');
  }

  /** The model a quota is asked for: `requested` (400 `UNKNOWN_MODEL` unless enabled), else `default_model`. */
  async quotaModel(requested?: string): Promise<string> {
    if (requested !== undefined) await this.requireEnabled(requested);
    return this.quotaModelUnchecked(requested);
  }

  /** The same model, for a caller that checks `requested` itself (UsageService.withUser reads it with the quota). */
  async quotaModelUnchecked(requested?: string): Promise<string> {
    return requested ?? this.settings.value('default_model');
  }

  /** 400 `UNKNOWN_MODEL` unless every id names a model of the catalog (enabled or not). */
  async requireKnown(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM ai_models WHERE id = ANY ($1::varchar[])`,
      [ids],
    );
    const known = new Set(rows.map((r) => r.id));
    const missing = ids.find((id) => !known.has(id));
    if (missing !== undefined) throw unknownModel(missing);
  }

  /** 400 `UNKNOWN_MODEL` unless `id` is an enabled model. */
  async requireEnabled(id: string): Promise<void> {
    const rows = await this.db.query(
      `SELECT 1 FROM ai_models WHERE id = $1 AND enabled`,
      [id],
    );
    if (rows.length === 0) throw unknownModel(id);
  }

  /**
   * The model a send goes to, in one statement: `requested` (a send's
   * override: 400 `UNKNOWN_MODEL` unless enabled), else the chat's model
   * while it is enabled, else `default_model`. With `catalogVersion` (the
   * caller read `catalog_version` after its request began) from memory
   * unless the catalog changed since (see ModelCatalog): no statement.
   */
  async forSend(
    requested: string | undefined,
    chatModel: string | null,
    catalogVersion?: string | null,
  ): Promise<ModelForSend> {
    const fallback = await this.settings.value('default_model');
    const wanted = requested ?? chatModel ?? fallback;
    if (catalogVersion) {
      const model =
        (await this.catalog.get(wanted, catalogVersion)) ??
        (requested === undefined
          ? await this.catalog.get(fallback, catalogVersion)
          : null);
      if (!model) throw unknownModel(requested ?? fallback);
      return model;
    }
    const rows = await this.db.query<ModelRow & { c: ConnectionRow }>(
      `SELECT ${MODEL_COLUMNS.split(',')
        .map((c) => `m.${c.trim()}`)
        .join(', ')},
              row_to_json(c) AS c
       FROM ai_models m
       JOIN (SELECT ${CONNECTION_COLUMNS} FROM ai_connections) c ON c.id = m.connection_id
       WHERE m.id = ANY (ARRAY[$1, $2]::varchar[]) AND m.enabled`,
      [wanted, fallback],
    );
    const row =
      rows.find((r) => r.id === wanted) ??
      (requested === undefined
        ? rows.find((r) => r.id === fallback)
        : undefined);
    if (!row) throw unknownModel(requested ?? fallback);
    return {
      id: row.id,
      name: row.name,
      prices: {
        inputPrice: Number(row.input_price),
        outputPrice: Number(row.output_price),
      },
      maxOutputTokens: Number(row.max_output_tokens),
      contextTokens: Number(row.context_tokens),
      provider: this.ai.for(this.connections.targetOf(row.c, row)),
    };
  }
}

function toModelInfo(r: ModelRow): ModelInfo {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    input_price: Number(r.input_price),
    output_price: Number(r.output_price),
    max_output_tokens: Number(r.max_output_tokens),
    context_tokens: Number(r.context_tokens),
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

function toModel(r: ModelRow): Model {
  const {
    id,
    name,
    enabled,
    input_price,
    output_price,
    max_output_tokens,
    context_tokens,
    created_at,
    updated_at,
  } = toModelInfo(r);
  return {
    id,
    name,
    connection_id: r.connection_id,
    upstream_model: r.upstream_model,
    enabled,
    input_price,
    output_price,
    max_output_tokens,
    context_tokens,
    created_at,
    updated_at,
  };
}
