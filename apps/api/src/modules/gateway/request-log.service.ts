import { Injectable } from '@nestjs/common';
import type {
  CutBy,
  GatewayRequest,
  GatewayRequestList,
  GatewayRequestStatus,
} from '@tally/api-contract';
import { DatabaseService, type Tx } from '../../database/database.service';
import type { Rider } from '../usage/rider';

/** One gateway request, as it is logged. */
export interface RequestLogEntry {
  userId: string;
  apiKeyId: string | null;
  model: string | null;
  status: GatewayRequestStatus;
  code: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  cost: number | null;
  /** Which output cap cut a complete answer short (absent or null: none). */
  cutBy?: CutBy | null;
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
}

export interface RequestLogFilter {
  userId?: string;
  apiKeyId?: string;
  model?: string;
  page: number;
  pageSize: number;
}

interface Row {
  id: string;
  user_id: string;
  api_key_id: string | null;
  model: string | null;
  status: GatewayRequestStatus;
  code: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost: string | number | null;
  cut_by: CutBy | null;
  started_at: Date | string;
  duration_ms: number;
  total?: string | number;
}

const COLUMNS =
  'user_id, api_key_id, model, status, code, prompt_tokens, completion_tokens, cost, started_at, duration_ms, cut_by';

const INSERT = `INSERT INTO gateway_requests (${COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9::double precision / 1000), $10, $11)
  RETURNING id`;

/** The same row written by the settle statement itself, once it counted (see Rider). */
const RIDER_CTES = `r_log AS (
  INSERT INTO gateway_requests (${COLUMNS})
  SELECT $1::uuid, $2::uuid, $3::varchar, $4::varchar, $5::varchar, $6::int, $7::int, $8::bigint,
    to_timestamp($9::double precision / 1000), $10::int, $11::varchar
  FROM settled
  RETURNING id)`;

const paramsOf = (e: RequestLogEntry): unknown[] => [
  e.userId,
  e.apiKeyId,
  e.model === null ? null : e.model.slice(0, 64),
  e.status,
  e.code === null ? null : e.code.slice(0, 64),
  e.promptTokens,
  e.completionTokens,
  e.cost,
  e.startedAt,
  Math.max(0, Math.round(e.durationMs)),
  e.cutBy ?? null,
];

const nullableNumber = (v: string | number | null) =>
  v === null ? null : Number(v);

/**
 * The request log (`gateway_requests`): one row per
 * `POST /v1/chat/completions` of a known caller, refused ones included.
 * What an admitted request used is written by the statement that settles
 * its lease, so the log and the usage counters agree.
 */
@Injectable()
export class RequestLogService {
  constructor(private readonly db: DatabaseService) {}

  /**
   * The row of an admitted request, for its lease's settle to write in
   * the same statement (one commit); `stored` is its id.
   */
  rider(e: RequestLogEntry): Rider<string> {
    return {
      name: 'request_log_v2',
      ctes: RIDER_CTES,
      result: '(SELECT id FROM r_log)',
      params: paramsOf(e),
      read: (id) => id as string,
    };
  }

  /** Writes one row (through `tx` inside a transaction); returns its id. */
  async insert(e: RequestLogEntry, tx?: Tx): Promise<string> {
    const params = paramsOf(e);
    const [row] = tx?.prepared
      ? await tx.prepared<{ id: string }>(
          'tally_request_log_v2',
          INSERT,
          params,
        )
      : tx
        ? await tx.query<{ id: string }>(INSERT, params)
        : await this.db.query<{ id: string }>(INSERT, params);
    return row.id;
  }

  /** `GET /api/admin/requests`: newest first, filtered, one page. */
  async list(f: RequestLogFilter): Promise<GatewayRequestList> {
    const rows = await this.db.query<Row>(
      `SELECT *, count(*) OVER () AS total FROM gateway_requests
       WHERE ($1::uuid IS NULL OR user_id = $1)
         AND ($2::uuid IS NULL OR api_key_id = $2)
         AND ($3::varchar IS NULL OR model = $3)
       ORDER BY started_at DESC, id DESC
       LIMIT $4 OFFSET $5`,
      [
        f.userId ?? null,
        f.apiKeyId ?? null,
        f.model ?? null,
        f.pageSize,
        (f.page - 1) * f.pageSize,
      ],
    );
    let total = Number(rows[0]?.total ?? 0);
    if (rows.length === 0 && f.page > 1) {
      const [c] = await this.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM gateway_requests
         WHERE ($1::uuid IS NULL OR user_id = $1)
           AND ($2::uuid IS NULL OR api_key_id = $2)
           AND ($3::varchar IS NULL OR model = $3)`,
        [f.userId ?? null, f.apiKeyId ?? null, f.model ?? null],
      );
      total = Number(c.n);
    }
    return {
      items: rows.map(toRequest),
      total,
      page: f.page,
      page_size: f.pageSize,
    };
  }
}

function toRequest(r: Row): GatewayRequest {
  return {
    id: r.id,
    user_id: r.user_id,
    api_key_id: r.api_key_id,
    model: r.model,
    status: r.status,
    code: r.code,
    prompt_tokens: r.prompt_tokens,
    completion_tokens: r.completion_tokens,
    cost: nullableNumber(r.cost),
    cut_by: r.cut_by ?? null,
    started_at: new Date(r.started_at).toISOString(),
    duration_ms: Number(r.duration_ms),
  };
}
