import type {
  OwnUsage,
  OwnUsageItem,
  OwnUsageQuery,
} from '@tally/api-contract';
import { ApiDay, ApiInt } from '../../../common/api-docs';
import { CalendarDayParam } from '../../../common/calendar-day';

/** `GET /api/usage`. */
export class OwnUsageQueryDto implements OwnUsageQuery {
  @CalendarDayParam(
    'First day, included; default 29 days before `to` (30 days in all).',
  )
  from?: string;

  @CalendarDayParam('Last day, included; default today in `quota_timezone`.')
  to?: string;
}

export class OwnUsageItemDto implements OwnUsageItem {
  @ApiDay()
  date!: string;
  /** Messages of answers settled that day. */
  @ApiInt()
  messages!: number;
  /** Tokens (prompt + completion) of answers settled that day. */
  @ApiInt()
  tokens!: number;
  /** Cost of answers settled that day, in micro-dollars. */
  @ApiInt()
  cost!: number;
}

export class OwnUsageDto implements OwnUsage {
  /** One item per day, oldest first, days without usage as zeros. */
  items!: OwnUsageItemDto[];
}
