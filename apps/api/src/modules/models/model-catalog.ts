import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../database/database.service';
import { AiProviders } from '../ai';
import {
  CONNECTION_COLUMNS,
  type ConnectionRow,
  ConnectionsService,
} from './connections.service';
import type { ModelForSend } from './models.service';

/** The enabled models as of one catalog version. */
interface Snapshot {
  /** `catalog_version.version` (a bigint, as text) the models were read at. */
  version: string;
  models: ReadonlyMap<string, ModelForSend>;
}

interface Row {
  version: string;
  id: string | null;
  name: string;
  upstream_model: string;
  input_price: string | number;
  output_price: string | number;
  max_output_tokens: number;
  context_tokens: number;
  c: ConnectionRow;
}

/**
 * The catalog's version, as an expression for a caller's own statement:
 * pass what it read to `ModelsService.forSend` (no statement of its own).
 */
export const CATALOG_VERSION_SQL = `(SELECT version::text FROM catalog_version)`;

/** The version and every enabled model with its connection: one statement, so one snapshot. */
const LOAD_SQL = `SELECT v.version::text AS version, m.id, m.name, m.upstream_model,
    m.input_price, m.output_price, m.max_output_tokens, m.context_tokens, row_to_json(c) AS c
  FROM catalog_version v
  LEFT JOIN (ai_models m JOIN (SELECT ${CONNECTION_COLUMNS} FROM ai_connections) c
    ON c.id = m.connection_id) ON m.enabled`;

/**
 * The enabled models of the catalog kept in memory, ready to answer (the
 * connection's key decrypted, the adapter built), for callers that read the
 * catalog's version in a statement of their own (the API key's lookup).
 *
 * Why no process ever serves a deleted or disabled model, or an old price,
 * to a request that started after the change committed:
 * - every change to `ai_models` or `ai_connections` bumps
 *   `catalog_version` in its own transaction (a trigger), so the change and
 *   the new version commit together, and the version row's lock orders them;
 * - the caller reads the version after its request started, so it sees
 *   the new version once the change has committed;
 * - models are served from memory only when the version read is exactly the
 *   one they were loaded at (read in the same statement as the models);
 *   otherwise the catalog is read again, by a statement that starts after
 *   the caller's read, so it reflects at least what the caller saw. Equality
 *   rather than "not older" also holds when a database is restored to an
 *   older state. PGlite (one process) follows the same path.
 */
@Injectable()
export class ModelCatalog {
  private current: Snapshot | null = null;
  /** When the current snapshot's load started (loads may end out of order). */
  private currentStarted = 0;
  private loading: Promise<Snapshot> | null = null;
  private loads = 0;

  constructor(
    private readonly db: DatabaseService,
    private readonly connections: ConnectionsService,
    private readonly ai: AiProviders,
  ) {}

  /** The enabled model `id` as of `version` or later (null: not an enabled model). */
  async get(id: string, version: string): Promise<ModelForSend | null> {
    return (await this.at(version)).models.get(id) ?? null;
  }

  private async at(version: string): Promise<Snapshot> {
    if (this.current?.version === version) return this.current;
    // A load under way may have begun before the caller read its version:
    // it serves only if it ended at that version; a load of our own serves always.
    if (this.loading) {
      const shared = await this.loading;
      if (shared.version === version) return shared;
    }
    return this.load();
  }

  private load(): Promise<Snapshot> {
    const started = ++this.loads;
    const loading = this.read().then((snapshot) => {
      if (started > this.currentStarted) {
        this.current = snapshot;
        this.currentStarted = started;
      }
      return snapshot;
    });
    this.loading = loading;
    void loading.then(
      () => this.loading === loading && (this.loading = null),
      () => this.loading === loading && (this.loading = null),
    );
    return loading;
  }

  private async read(): Promise<Snapshot> {
    const rows = await this.db.query<Row>(LOAD_SQL);
    const models = new Map<string, ModelForSend>();
    for (const r of rows) {
      if (r.id === null) continue;
      models.set(
        r.id,
        Object.freeze({
          id: r.id,
          name: r.name,
          prices: Object.freeze({
            inputPrice: Number(r.input_price),
            outputPrice: Number(r.output_price),
          }),
          maxOutputTokens: Number(r.max_output_tokens),
          contextTokens: Number(r.context_tokens),
          provider: this.ai.for(
            this.connections.targetOf(r.c, {
              id: r.id,
              upstream_model: r.upstream_model,
            }),
          ),
        }),
      );
    }
    return { version: rows[0]?.version ?? '', models };
  }
}
