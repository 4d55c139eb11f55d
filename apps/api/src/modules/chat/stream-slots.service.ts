import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
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
 *
 * A user has slots 1..max; a row in `stream_slots` whose `expires_at` has not
 * passed is a slot in use. Taking one is a single atomic statement (no locks,
 * no read-then-write), so it is correct on PGlite's single session too. This
 * process renews the rows it holds on a heartbeat; the rows of a process that
 * died expire after `holdTtlSeconds` and are taken over.
 */
@Injectable()
export class StreamSlotsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('StreamSlots');
  private readonly held = new Map<string, StreamSlot>();
  private heartbeat: NodeJS.Timeout | null = null;
  private beat: Promise<void> | null = null;

  constructor(
    private readonly db: DatabaseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.heartbeat = setInterval(() => {
      this.beat ??= this.renew().finally(() => (this.beat = null));
    }, this.config.quota.holdHeartbeatSeconds * 1000);
    this.heartbeat.unref();
  }

  /**
   * Runs once the HTTP server has closed (after the answers in progress on
   * shutdown have ended), so until then their slots stay held and renewed.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await this.beat;
    const ids = [...this.held.keys()];
    this.held.clear();
    if (ids.length > 0) {
      await this.db
        .query(
          `DELETE FROM stream_slots WHERE id = ANY(string_to_array($1, ',')::uuid[])`,
          [ids.join(',')],
        )
        .catch(() => undefined);
    }
  }

  /**
   * Takes a free slot of `userId` (1..max), or returns null when all of them
   * are in use. A statement that finds no row lost a race for a slot number
   * to a concurrent request; it is retried while some slot is still free.
   */
  async acquire(userId: string, max: number): Promise<StreamSlot | null> {
    const id = randomUUID();
    for (let attempt = 0; attempt <= max; attempt++) {
      const rows = await this.db.query<{ slot: number }>(
        `INSERT INTO stream_slots (user_id, slot, id, expires_at)
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
         RETURNING slot`,
        [userId, id, max, this.config.quota.holdTtlSeconds],
      );
      if (rows.length > 0) {
        const slot: StreamSlot = { id, userId, slot: Number(rows[0].slot) };
        this.held.set(id, slot);
        return slot;
      }
      if ((await this.inUse(userId, max)) >= max) return null;
    }
    return null;
  }

  /** Gives the slot back. Safe to call more than once. */
  async release(slot: StreamSlot): Promise<void> {
    if (!this.held.delete(slot.id)) return;
    await this.db.query(`DELETE FROM stream_slots WHERE id = $1::uuid`, [
      slot.id,
    ]);
  }

  private async inUse(userId: string, max: number): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM stream_slots
       WHERE user_id = $1::uuid AND slot <= $2::int AND expires_at >= now()`,
      [userId, max],
    );
    return row?.n ?? 0;
  }

  /** Heartbeat: keeps this process's slots alive and drops long-expired rows. */
  private async renew(): Promise<void> {
    const ids = [...this.held.keys()];
    try {
      if (ids.length > 0) {
        await this.db.query(
          `UPDATE stream_slots SET expires_at = now() + $2::int * interval '1 second'
           WHERE id = ANY(string_to_array($1, ',')::uuid[])`,
          [ids.join(','), this.config.quota.holdTtlSeconds],
        );
      }
      await this.db.query(
        `DELETE FROM stream_slots WHERE expires_at < now() - interval '1 hour'`,
      );
    } catch (err) {
      this.logger.warn(
        `Could not renew stream slots: ${(err as Error).message}`,
      );
    }
  }
}
