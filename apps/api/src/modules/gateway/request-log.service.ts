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
  /** Part of the user's e-mail or name, or of the key's name (any case). */
  search?: string;
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
  by_api_key: boolean;
  user_email: string;
  user_name: string;
  api_key_name: string | null;
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

/**
 * The listing's filters on `gateway_requests g`, `$1`..`$4`: user, key,
 * model, and `search`, a case-insensitive part of the user's e-mail or name
 * or of the key's name (strpos, so `%` and `_` are plain characters). The
 * search looks through the users and keys once, not once per row of the
 * log: on 200,000 rows this is 5 to 10 times faster than matching joined
 * rows.
 */
const FILTER = `($1::uuid IS NULL OR g.user_id = $1)
  AND ($2::uuid IS NULL OR g.api_key_id = $2)
  AND ($3::varchar IS NULL OR g.model = $3)
  AND ($4::text IS NULL
    OR g.user_id IN (SELECT id FROM users
      WHERE strpos(lower(email), lower($4)) > 0 OR strpos(lower(name), lower($4)) > 0)
    OR g.api_key_id IN (SELECT id FROM api_keys WHERE strpos(lower(name), lower($4)) > 0))`;

/**
 * Who made each row of `rows` (a subquery aliased `p`), as they are now: the
 * user's e-mail and name and the key's name (a deleted key's rows lost their
 * `api_key_id`, so its name is null). Joined to the page alone, after it is
 * cut, so a long log costs no more than without the names.
 */
const NAMED = (
  rows: string,
) => `SELECT p.*, u.email AS user_email, u.name AS user_name, k.name AS api_key_name
  FROM (${rows}) p
  JOIN users u ON u.id = p.user_id
  LEFT JOIN api_keys k ON k.id = p.api_key_id`;

const LIST = `${NAMED(`SELECT g.*, count(*) OVER () AS total FROM gateway_requests g
  WHERE ${FILTER}
  ORDER BY g.started_at DESC, g.id DESC
  LIMIT $5 OFFSET $6`)}
  ORDER BY p.started_at DESC, p.id DESC`;

const COUNT = `SELECT count(*)::int AS n FROM gateway_requests g WHERE ${FILTER}`;

const ONE = NAMED(`SELECT * FROM gateway_requests WHERE id = $1`);

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
    const filter = [
      f.userId ?? null,
      f.apiKeyId ?? null,
      f.model ?? null,
      f.search ?? null,
    ];
    const rows = await this.db.query<Row>(LIST, [
      ...filter,
      f.pageSize,
      (f.page - 1) * f.pageSize,
    ]);
    let total = Number(rows[0]?.total ?? 0);
    if (rows.length === 0 && f.page > 1) {
      const [c] = await this.db.query<{ n: number }>(COUNT, filter);
      total = Number(c.n);
    }
    return {
      items: rows.map(toRequest),
      total,
      page: f.page,
      page_size: f.pageSize,
    };
  }

  /** `GET /api/admin/requests/:id`: one row, or null when there is none. */
  async get(id: string): Promise<GatewayRequest | null> {
    const [row] = await this.db.query<Row>(ONE, [id]);
    return row ? toRequest(row) : null;
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
    user_email: r.user_email,
    user_name: r.user_name,
    api_key_name: r.api_key_name,
    by_api_key: Boolean(r.by_api_key),
  };
}
