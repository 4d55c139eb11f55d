import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DatabaseService } from '../../database/database.service';

/** One of a user's answers in progress, held in `stream_slots` until released. */
export interface StreamSlot {
  /** Unique per acquisition: releasing or renewing touches this one only. */
  id: string;
  userId: string;
  slot: number;
}

/**
 * The per-user cap on answers in progress (`max_concurrent_streams_per_user`),
 * counted in the database so it holds across API processes and on PGlite.
 * A slot is taken with the quota hold by the admission statement and given
 * back by the settle statement (RESERVE_SQL, SETTLE_SQL in limits.sql.ts).
 * Stateless: the admission lease holds a slot, and the admission heartbeat
 * renews the slots of live leases and forgets long-expired rows.
 */
@Injectable()
export class StreamSlotsService {
  constructor(
    private readonly db: DatabaseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Gives slots back (unknown ids change nothing). */
  async release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `DELETE FROM stream_slots WHERE id = ANY(string_to_array($1, ',')::uuid[])`,
      [ids.join(',')],
    );
  }

  /** Keeps the slots of answers still in progress alive for another TTL. */
  async renew(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE stream_slots SET expires_at = now() + $2::int * interval '1 second'
       WHERE id = ANY(string_to_array($1, ',')::uuid[])`,
      [ids.join(','), this.config.quota.holdTtlSeconds],
    );
  }

  /** Drops rows that expired long ago (their processes died); free slots are taken over anyway. */
  async forgetExpired(): Promise<void> {
    await this.db.query(
      `DELETE FROM stream_slots WHERE expires_at < now() - interval '1 hour'`,
    );
  }
}
