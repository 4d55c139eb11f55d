import { ApiDay, ApiInt, ApiUuid } from '../../../common/api-docs';
import type {
  UsageByModel,
  UsageByModelItem,
  UsageHistory,
  UsageHistoryItem,
  UsageReport,
  UsageReportItem,
} from '@tally/api-contract';

export class UsageReportItemDto implements UsageReportItem {
  @ApiUuid()
  user_id!: string;
  email!: string;
  name!: string;
  /** Messages of answers settled that day. */
  @ApiInt()
  messages!: number;
  /** Tokens (prompt + completion) of answers settled that day. */
  @ApiInt()
  tokens!: number;
  /** The daily message limit that applies to the user now. */
  @ApiInt()
  messages_limit!: number;
  /** The daily token limit that applies to the user now. */
  @ApiInt()
  tokens_limit!: number;
  /** Cost of answers settled that day, in micro-dollars. */
  @ApiInt()
  cost!: number;
}

export class UsageTotalsDto {
  /** Every user's messages that day. */
  @ApiInt()
  messages!: number;
  /** Every user's tokens that day. */
  @ApiInt()
  tokens!: number;
  /** Every user's cost that day, in micro-dollars. */
  @ApiInt()
  cost!: number;
  /** Users with any usage that day. */
  @ApiInt()
  active_users!: number;
}

/**
 * Usage of one quota day: every active user (zero usage included) and any
 * other user who used something that day. The totals cover the whole day,
 * whatever `search` and the page.
 */
export class UsageReportDto implements UsageReport {
  /** @example 2026-11-28 */
  @ApiDay()
  date!: string;
  /** @example UTC */
  timezone!: string;
  items!: UsageReportItemDto[];
  /** Rows matching `search`, over all pages. */
  @ApiInt()
  total!: number;
  @ApiInt()
  page!: number;
  @ApiInt()
  page_size!: number;
  totals!: UsageTotalsDto;
}

export class UsageHistoryItemDto implements UsageHistoryItem {
  /** @example 2026-11-28 */
  @ApiDay()
  date!: string;
  @ApiInt()
  messages!: number;
  @ApiInt()
  tokens!: number;
  /** Micro-dollars. */
  @ApiInt()
  cost!: number;
  /** Users with any usage that day. */
  @ApiInt()
  active_users!: number;
}

export class UsageHistoryDto implements UsageHistory {
  /** One item per day, oldest first, days without usage as zeros. */
  items!: UsageHistoryItemDto[];
}

export class UsageByModelItemDto implements UsageByModelItem {
  /** The model's id (a deleted model keeps it). */
  model!: string;
  @ApiInt()
  messages!: number;
  @ApiInt()
  prompt_tokens!: number;
  @ApiInt()
  completion_tokens!: number;
  /** prompt + completion. */
  @ApiInt()
  tokens!: number;
  /** Micro-dollars. */
  @ApiInt()
  cost!: number;
}

/** Settled usage of one quota day per model, most expensive first. */
export class UsageByModelDto implements UsageByModel {
  /** @example 2026-11-28 */
  @ApiDay()
  date!: string;
  items!: UsageByModelItemDto[];
}
