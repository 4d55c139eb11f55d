import { Injectable } from '@nestjs/common';
import type { OwnUsage } from '@tally/api-contract';
import { historyRange } from './history-range';
import { UsageHistoryService } from './usage-history.service';
import { UsageService } from './usage.service';

/** A user's own usage history (`GET /api/usage`). */
@Injectable()
export class OwnUsageService {
  constructor(
    private readonly usage: UsageService,
    private readonly reports: UsageHistoryService,
  ) {}

  /**
   * The user's settled usage per day from `from` to `to` (default the 30
   * days ending today in quota_timezone; at most 366 days, else 400),
   * oldest first, days without usage as zeros.
   */
  async history(userId: string, from?: string, to?: string): Promise<OwnUsage> {
    const range = historyRange(from, to, (await this.usage.today()).day);
    const { items } = await this.reports.history(range.from, range.to, userId);
    return {
      items: items.map(({ date, messages, tokens, cost }) => ({
        date,
        messages,
        tokens,
        cost: cost ?? 0,
      })),
    };
  }
}
