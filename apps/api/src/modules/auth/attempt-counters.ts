import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** A counter and the most it may reach within its window. */
export interface Counted {
  key: string;
  limit: number;
}

/**
 * Fixed-window counters of attempts (failed logins, registrations), in
 * memory per process or in Redis for every process. Each step is atomic.
 */
export interface AttemptCounters {
  /**
   * Counts one attempt on every counter, unless one of them has already
   * reached its limit: then nothing is counted and the answer is the seconds
   * until the first of those blocking counters resets.
   */
  take(counters: Counted[], windowMs: number): Promise<number | null>;
  /** Takes one attempt back from each counter (not below 0). */
  giveBack(keys: string[]): Promise<void>;
  /** Forgets these counters. */
  clear(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

interface Entry {
  count: number;
  resetsAt: number;
}

export class MemoryAttemptCounters implements AttemptCounters {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.resetsAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  async take(counters: Counted[], windowMs: number): Promise<number | null> {
    const now = this.now();
    this.sweep(now);
    let blockedMs = 0;
    for (const c of counters) {
      const e = this.live(c.key, now);
      if (e && e.count >= c.limit)
        blockedMs = Math.max(blockedMs, e.resetsAt - now);
    }
    if (blockedMs > 0) return Math.max(1, Math.ceil(blockedMs / 1000));
    for (const c of counters) {
      const e = this.live(c.key, now);
      if (e) e.count++;
      else this.entries.set(c.key, { count: 1, resetsAt: now + windowMs });
    }
    return null;
  }

  async giveBack(keys: string[]): Promise<void> {
    const now = this.now();
    for (const key of keys) {
      const e = this.live(key, now);
      if (e && e.count > 0) e.count--;
    }
  }

  async clear(keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  /** Drops expired counters now and then, so memory stays bounded by the window. */
  private sweep(now: number): void {
    if (this.entries.size < 10_000) return;
    for (const [key, e] of this.entries)
      if (e.resetsAt <= now) this.entries.delete(key);
  }
}

/** KEYS: counters; ARGV[1]: window (ms); ARGV[2..]: their limits. */
const TAKE = `
local blocked = 0
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl > blocked then blocked = ttl end
  end
end
if blocked > 0 then return blocked end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 0
`;

const GIVE_BACK = `
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n > 0 then redis.call('DECR', key) end
end
return 0
`;

/**
 * The counters in Redis (REDIS_URL), shared by every API process. When
 * Redis cannot be reached nothing is throttled rather than everything
 * refused (a warning is logged).
 */
export class RedisAttemptCounters implements AttemptCounters {
  private readonly redis: Redis;
  private readonly logger = new Logger('Throttler');

  constructor(url: string) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
    });
    this.redis.on('error', (err) => this.logger.warn(`Redis: ${err.message}`));
  }

  private key(k: string): string {
    return `tally:attempts:${k}`;
  }

  async take(counters: Counted[], windowMs: number): Promise<number | null> {
    try {
      const blockedMs = Number(
        await this.redis.eval(
          TAKE,
          counters.length,
          ...counters.map((c) => this.key(c.key)),
          String(windowMs),
          ...counters.map((c) => String(c.limit)),
        ),
      );
      return blockedMs > 0 ? Math.max(1, Math.ceil(blockedMs / 1000)) : null;
    } catch (err) {
      this.logger.warn(`Throttling skipped: ${(err as Error).message}`);
      return null;
    }
  }

  async giveBack(keys: string[]): Promise<void> {
    await this.redis
      .eval(GIVE_BACK, keys.length, ...keys.map((k) => this.key(k)))
      .catch((err: Error) =>
        this.logger.warn(`Throttling skipped: ${err.message}`),
      );
  }

  async clear(keys: string[]): Promise<void> {
    await this.redis
      .del(...keys.map((k) => this.key(k)))
      .catch((err: Error) =>
        this.logger.warn(`Throttling skipped: ${err.message}`),
      );
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
