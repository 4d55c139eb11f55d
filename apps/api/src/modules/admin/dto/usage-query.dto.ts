import { ApiProperty } from '@nestjs/swagger';
import type {
  SortOrder,
  UsageExportQuery,
  UsageHistoryQuery,
  UsageReportQuery,
  UsageSortField,
} from '@tally/api-contract';
import { IsIn, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination.dto';
import { IsOptionalNotNull } from '../../../common/validation';
import { CalendarDayParam } from '../../../common/calendar-day';

export const USAGE_SORT_FIELDS: readonly UsageSortField[] = [
  'tokens',
  'messages',
  'email',
  'name',
];

/** `GET /api/admin/usage`. */
export class UsageReportQueryDto
  extends PageQueryDto
  implements UsageReportQuery
{
  @CalendarDayParam('The quota day; default today in `quota_timezone`.')
  date?: string;

  @ApiProperty({ enum: USAGE_SORT_FIELDS, required: false, default: 'tokens' })
  @IsOptionalNotNull()
  @IsIn(USAGE_SORT_FIELDS)
  sort?: UsageSortField;

  @ApiProperty({
    enum: ['desc', 'asc'],
    required: false,
    description:
      'Default `desc` for tokens and messages, `asc` for email and name.',
  })
  @IsOptionalNotNull()
  @IsIn(['desc', 'asc'])
  order?: SortOrder;

  /** Part of an email or a name, case-insensitive. */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(254)
  search?: string;
}

/** `GET /api/admin/usage/history`. */
export class UsageHistoryQueryDto implements UsageHistoryQuery {
  @CalendarDayParam(
    'First day, included; default 29 days before `to` (30 days in all).',
  )
  from?: string;

  @CalendarDayParam('Last day, included; default today in `quota_timezone`.')
  to?: string;

  /** Only this user's usage; default everyone's. */
  @ApiProperty({ format: 'uuid', required: false })
  @IsOptionalNotNull()
  @IsUUID()
  user_id?: string;
}

/** `GET /api/admin/usage/export`: one day, or a range of days. */
export class UsageExportQueryDto implements UsageExportQuery {
  @CalendarDayParam(
    'The quota day; default today in `quota_timezone`. Not with `from`/`to`.',
  )
  date?: string;

  @CalendarDayParam(
    'First day of a range, included; with `to`, at most 366 days in all.',
  )
  from?: string;

  @CalendarDayParam('Last day of a range, included; with `from`.')
  to?: string;
}
