import { EventEmitter } from 'node:events';
import type { PGlite } from '@electric-sql/pglite';

/**
 * A `pg`-compatible pool over one embedded PGlite database, for TypeORM's
 * postgres driver.
 *
 * PGlite has a single session: two transactions that interleave on it are not
 * isolated. So this pool holds exactly one client and hands it to one caller at
 * a time; everyone else waits in a FIFO queue until the client is released.
 * Every TypeORM query runner (a transaction, a migration, a single query)
 * therefore runs alone.
 *
 * The one rule that follows: code must never open a second query runner while
 * it holds one (that would wait for itself).
 */
export class PGliteSerialPool extends EventEmitter {
  private busy = false;
  private readonly waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly open: () => Promise<PGlite>,
    /** Called once the database has closed (database.options.ts makes its files private). */
    private readonly afterClose: () => void = () => undefined,
  ) {
    super();
    this.setMaxListeners(0);
  }

  private dbPromise: Promise<PGlite> | null = null;

  private db(): Promise<PGlite> {
    if (!this.dbPromise) {
      this.dbPromise = this.open().catch((err) => {
        this.dbPromise = null;
        throw err;
      });
    }
    return this.dbPromise;
  }

  private acquire(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.busy = false;
  }

  /** `pg.Pool#connect(callback)`: the callback gets a client and a release function. */
  connect(
    callback?: (
      err: Error | null,
      client: PGliteClient | null,
      release: (err?: unknown) => void,
    ) => void,
  ): Promise<PGliteClient> | void {
    const run = async (): Promise<[PGliteClient, (err?: unknown) => void]> => {
      if (this.closed) throw new Error('The embedded database is closed');
      await this.acquire();
      try {
        const db = await this.db();
        let released = false;
        const client = new PGliteClient(db);
        const release = () => {
          if (released) return;
          released = true;
          client.removeAllListeners();
          this.releaseSlot();
        };
        return [client, release];
      } catch (err) {
        this.releaseSlot();
        throw err;
      }
    };
    const p = run();
    if (!callback) return p.then(([client]) => client);
    p.then(
      ([client, release]) => callback(null, client, release),
      (err: Error) => callback(err, null, () => undefined),
    );
  }

  /** `pg.Pool#query`: runs one statement on its own turn. */
  async query(
    sql: string,
    params?: unknown[] | ((err: Error | null, res: unknown) => void),
  ) {
    const [client, release] = (await new Promise<
      [PGliteClient, (e?: unknown) => void]
    >((resolve, reject) =>
      this.connect((err, c, r) =>
        err ? reject(err) : resolve([c as PGliteClient, r]),
      ),
    )) as [PGliteClient, (e?: unknown) => void];
    try {
      return await client.query(
        sql,
        typeof params === 'function' ? undefined : params,
      );
    } finally {
      release();
    }
  }

  end(callback?: (err?: Error | null) => void): Promise<void> | void {
    const p = (async () => {
      this.closed = true;
      await this.acquire();
      try {
        if (this.dbPromise) {
          await (await this.dbPromise).close();
          this.afterClose();
        }
      } finally {
        this.dbPromise = null;
        this.releaseSlot();
      }
    })();
    if (!callback) return p;
    p.then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }
}

/** The single session, shaped like a `pg.Client` for TypeORM. */
export class PGliteClient extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  async query(
    sql: string,
    params?: unknown[] | ((err: Error | null, res: unknown) => void),
    cb?: (err: Error | null, res: unknown) => void,
  ): Promise<PgLikeResult> {
    const callback = typeof params === 'function' ? params : cb;
    const values = Array.isArray(params) ? params : undefined;
    try {
      let res: { rows: unknown[]; affectedRows?: number; fields?: unknown[] };
      if (values && values.length > 0) {
        res = await this.db.query(sql, values);
      } else {
        const all = await this.db.exec(sql);
        res = all[all.length - 1] ?? { rows: [] };
      }
      const command = commandOf(sql);
      const result: PgLikeResult = {
        rows: res.rows as Record<string, unknown>[],
        rowCount:
          command === 'SELECT'
            ? res.rows.length
            : (res.affectedRows ?? res.rows.length),
        command,
        fields: res.fields ?? [],
      };
      callback?.(null, result);
      return result;
    } catch (err) {
      callback?.(err as Error, null);
      throw err;
    }
  }
}

export interface PgLikeResult {
  rows: Record<string, unknown>[];
  rowCount: number;
  command: string;
  fields: unknown[];
}

/** The command a statement runs, as `pg` reports it (the outer verb of a `WITH`). */
function commandOf(sql: string): string {
  const s = sql.trim().replace(/^\(+/, '');
  const first = /^(\w+)/.exec(s)?.[1]?.toUpperCase() ?? '';
  if (first !== 'WITH') return first;
  // The statement after the last top-level CTE: good enough for INSERT/UPDATE/DELETE/SELECT.
  let depth = 0;
  let last = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0) {
      const m = /^(SELECT|INSERT|UPDATE|DELETE)\b/i.exec(s.slice(i));
      if (m && /\W/.test(s[i - 1] ?? ' ')) last = m[1].toUpperCase();
    }
  }
  return last || 'SELECT';
}
