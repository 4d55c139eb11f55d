import { Injectable } from '@nestjs/common';
import type { Quota } from '@tally/api-contract';

/**
 * What an admitted send holds: one message and `promptTokens + outputCap`
 * tokens, until it is settled.
 */
export interface Reservation {
  holdId: string;
  userId: string;
  /** The quota day (YYYY-MM-DD in quota_timezone) the send is charged to. */
  day: string;
  promptTokens: number;
  /** The output cap to send upstream as max_tokens. */
  outputCap: number;
  /** The caller's quota right after reserving. */
  quota: Quota;
}

export interface SettleUsage {
  promptTokens: number;
  completionTokens: number;
  /** False when the provider failed before producing any text: the message is not charged. */
  charged: boolean;
}

/**
 * Daily usage counters, limits, reservations. (Placeholder until the quota
 * backend lands: admits everything and counts nothing.)
 */
@Injectable()
export class UsageService {
  /** Atomically checks and reserves; throws ApiError 429 (QUOTA_*) with the quota and headers when over a limit. */
  async reserve(userId: string, promptTokens: number, maxOutputTokens: number): Promise<Reservation> {
    return {
      holdId: '00000000-0000-4000-8000-000000000000',
      userId,
      day: new Date().toISOString().slice(0, 10),
      promptTokens,
      outputCap: maxOutputTokens,
      quota: await this.getQuota(userId),
    };
  }

  /** Settles a hold to the real count, exactly once (later calls change nothing). Returns the quota after. */
  async settle(reservation: Reservation, usage: SettleUsage): Promise<Quota> {
    void usage;
    return this.getQuota(reservation.userId);
  }

  async getQuota(userId: string): Promise<Quota> {
    void userId;
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    const big = 2147483647;
    return {
      messages: { used: 0, limit: big, remaining: big },
      tokens: { used: 0, limit: big, remaining: big },
      resets_at: tomorrow.toISOString(),
      timezone: 'UTC',
    };
  }

  /** `RateLimit-Policy` and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers-11) for a quota. */
  rateLimitHeaders(quota: Quota): Record<string, string> {
    void quota;
    return {};
  }
}
