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
  count: number;
  total?: string | number;
}

const COLUMNS =
  'user_id, api_key_id, model, status, code, prompt_tokens, completion_tokens, cost, started_at, duration_ms, by_api_key, cut_by';

const VALUES = `$1::uuid, $2::uuid, $3::varchar, $4::varchar, $5::varchar, $6::int, $7::int, $8::bigint,
    to_timestamp($9::double precision / 1000), $10::int, $2::uuid IS NOT NULL, $11::varchar`;

const INSERT = `INSERT INTO gateway_requests (${COLUMNS})
  VALUES (${VALUES})
  RETURNING id`;

/**
 * A refused request: one row per user, key (or none), code and minute, its
 * `count` raised by each further refusal in one statement, so a caller
 * hammering at a spent quota adds a row a minute, not one per request (the
 * index is `gateway_requests_refused_minute_idx`, see its migration).
 */
const INSERT_REFUSED = `INSERT INTO gateway_requests (${COLUMNS})
  VALUES (${VALUES})
  ON CONFLICT (user_id, api_key_id, code, (date_trunc('minute', started_at AT TIME ZONE 'UTC')))
    WHERE status = 'refused' AND (api_key_id IS NOT NULL OR NOT by_api_key)
  DO UPDATE SET count = gateway_requests.count + 1
  RETURNING id`;

/** The same row written by the settle statement itself, once it counted (see Rider). */
const RIDER_CTES = `r_log AS (
  INSERT INTO gateway_requests (${COLUMNS})
  SELECT ${VALUES}
  FROM settled
  RETURNING id)`;

/** Rows one pruning statement deletes at most, so that it never holds many locks or the one PGlite session for long. */
const PRUNE_BATCH = 5000;

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
 * `POST /v1/chat/completions` of a known caller, refused ones counted into
 * one row per user, key, code and minute. What an admitted request used is
 * written by the statement that settles its lease, so the log and the usage
 * counters agree. Rows older than the retention are pruned (see
 * RequestLogRetention).
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
      name: 'request_log_v3',
      ctes: RIDER_CTES,
      result: '(SELECT id FROM r_log)',
      params: paramsOf(e),
      read: (id) => id as string,
    };
  }

  /**
   * Writes one row (through `tx` inside a transaction), or counts a refused
   * request into its minute's row; returns the row's id.
   */
  async insert(e: RequestLogEntry, tx?: Tx): Promise<string> {
    const params = paramsOf(e);
    const refused = e.status === 'refused';
    const sql = refused ? INSERT_REFUSED : INSERT;
    const [row] = tx?.prepared
      ? await tx.prepared<{ id: string }>(
          refused ? 'tally_request_log_refused_v2' : 'tally_request_log_v3',
          sql,
          params,
        )
      : tx
        ? await tx.query<{ id: string }>(sql, params)
        : await this.db.query<{ id: string }>(sql, params);
    return row.id;
  }

  /**
   * Deletes the rows that started more than `days` days ago, in batches
   * (`FOR UPDATE SKIP LOCKED`: processes pruning at once share the work
   * instead of waiting on each other); returns how many it deleted.
   * `shouldStop` is asked between batches.
   */
  async prune(
    days: number,
    batch = PRUNE_BATCH,
    shouldStop: () => boolean = () => false,
  ): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows = await this.db.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM gateway_requests WHERE id IN (
             SELECT id FROM gateway_requests
             WHERE started_at < now() - make_interval(days => $1::int)
             ORDER BY started_at LIMIT $2
             FOR UPDATE SKIP LOCKED)
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [days, batch],
      );
      const n = Number(rows[0]?.n ?? 0);
      deleted += n;
      if (n < batch || shouldStop()) return deleted;
    }
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
    count: Number(r.count),
  };
}
