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
 * Takes a free slot 1..$3 of user $1 for acquisition $2, valid for $4 s, on
 * its own (the admission statement in limits.sql.ts does the same with the
 * quota hold; this is for a send that lost the slot it chose there to a
 * concurrent send of the same user). A row whose `expires_at` has not passed
 * is a slot in use; an expired row (its process died) is taken over by the
 * ON CONFLICT update, whose WHERE is checked on the locked, latest row.
 */
const ACQUIRE_SQL = `
  INSERT INTO stream_slots (user_id, slot, id, expires_at)
  SELECT $1::uuid, s, $2::uuid, now() + $4::int * interval '1 second'
  FROM generate_series(1, $3::int) AS s
  WHERE NOT EXISTS (
    SELECT 1 FROM stream_slots a
    WHERE a.user_id = $1::uuid AND a.slot = s AND a.expires_at >= now()
  )
  ORDER BY s
  LIMIT 1
  ON CONFLICT (user_id, slot) DO UPDATE
    SET id = EXCLUDED.id, expires_at = EXCLUDED.expires_at
    WHERE stream_slots.expires_at < now()
  RETURNING slot`;

const IN_USE_SQL = `
  SELECT count(*)::int AS n FROM stream_slots
  WHERE user_id = $1::uuid AND slot <= $2::int AND expires_at >= now()`;

/**
 * The per-user cap on answers in progress (`max_concurrent_streams_per_user`),
 * counted in the database so it holds across API processes and on PGlite.
 * A slot is taken with the quota hold by the admission statement and given
 * back by the settle statement (RESERVE_SQL in limits.sql.ts, SETTLE_SQL in holds.sql.ts).
 * Stateless: the admission lease holds a slot, and the admission heartbeat
 * renews the slots of live leases and forgets long-expired rows.
 */
@Injectable()
export class StreamSlotsService {
  constructor(
    private readonly db: DatabaseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Takes a free slot of `userId` (1..max) for acquisition `id`, or returns
   * null when all of them are in use. A statement that finds no row lost a
   * race for a slot number to a concurrent request; it is retried while
   * some slot is still free.
   */
  async acquire(
    userId: string,
    id: string,
    max: number,
  ): Promise<StreamSlot | null> {
    for (let attempt = 0; attempt <= max; attempt++) {
      const rows = await this.db.query<{ slot: number }>(ACQUIRE_SQL, [
        userId,
        id,
        max,
        this.config.quota.holdTtlSeconds,
      ]);
      if (rows.length > 0) return { id, userId, slot: Number(rows[0].slot) };
      const [row] = await this.db.query<{ n: number }>(IN_USE_SQL, [
        userId,
        max,
      ]);
      if ((row?.n ?? 0) >= max) return null;
    }
    return null;
  }

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
