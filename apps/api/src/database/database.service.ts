import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource, type EntityManager, QueryRunner } from 'typeorm';

/** Statements inside one transaction (see `DatabaseService.inTransaction`). */
export interface Tx {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<T[]>;
  /**
   * One statement prepared once per connection (see
   * `DatabaseService.prepared`), in the transaction. Optional: callers fall
   * back to `query`.
   */
  prepared?<T = Record<string, unknown>>(
    name: string,
    sql: string,
    params: unknown[],
  ): Promise<T[]>;
}

export function isEmbedded(ds: DataSource): boolean {
  return !(ds.options as { url?: string }).url;
}

/**
 * Raw SQL for the statements that must be one atomic step (quota checks and
 * charges), and transactions that behave the same on PostgreSQL and PGlite.
 */
@Injectable()
export class DatabaseService {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  get embedded(): boolean {
    return isEmbedded(this.dataSource);
  }

  /** One statement; returns its rows (also for INSERT/UPDATE/DELETE ... RETURNING). */
  async query<T = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    runner?: QueryRunner,
  ): Promise<T[]> {
    const own = runner ?? this.dataSource.createQueryRunner();
    try {
      const res = await own.query(sql, params, true);
      return (res.records ?? []) as T[];
    } finally {
      if (!runner) await own.release();
    }
  }

  /**
   * One statement prepared once per connection and then only executed, for
   * the hottest reads (the user lookup of every request): on PostgreSQL it
   * skips TypeORM's query runner and the parse and plan of each call. On
   * PGlite (one session, no named statements through its pool) a plain query.
   * `name` must be unique to this statement text.
   */
  async prepared<T = Record<string, unknown>>(
    name: string,
    sql: string,
    params: unknown[],
  ): Promise<T[]> {
    if (this.embedded) return this.query<T>(sql, params);
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    const res = await pool.query({ name, text: sql, values: params });
    return res.rows as T[];
  }

  /** Runs `work` in a transaction. On PGlite it runs alone (see PGliteSerialPool). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Runs `work` in one transaction, its statements through `tx`: all of
   * them commit, or none. On PGlite it runs alone (see PGliteSerialPool), so
   * `work` must not use `query()` (another runner) before it returns.
   */
  inTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const embedded = this.embedded;
    return this.dataSource.transaction((manager) => {
      const runner = manager.queryRunner as QueryRunner;
      const query = <R>(sql: string, params: unknown[] = []) =>
        this.query<R>(sql, params, runner);
      return work({
        query,
        prepared: async <R>(name: string, sql: string, params: unknown[]) => {
          // The transaction's own connection, which TypeORM holds from BEGIN to COMMIT.
          const client = (
            runner as unknown as { databaseConnection?: PoolClient }
          ).databaseConnection;
          if (embedded || !client) return query<R>(sql, params);
          const res = await client.query({ name, text: sql, values: params });
          return res.rows as R[];
        },
      });
    });
  }

  async ping(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
