import { ApiProperty } from '@nestjs/swagger';
import {
  MODEL_ID_PATTERN,
  type SortOrder,
  type UsageByModelQuery,
  type UsageExportQuery,
  type UsageHistoryQuery,
  type UsageReportQuery,
  type UsageSortField,
} from '@tally/api-contract';
import { IsIn, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
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

  /** Only this group's members (404 when there is no such group); the totals too. */
  @ApiProperty({ format: 'uuid', required: false })
  @IsOptionalNotNull()
  @IsUUID()
  group_id?: string;

  /** Only this model's usage (a model id; past usage keeps a deleted model's id); the totals too. */
  @ApiProperty({ required: false, example: 'local' })
  @IsOptionalNotNull()
  @IsString()
  @Matches(MODEL_ID_PATTERN, { message: 'model must be a model id' })
  model?: string;
}

/** `group_id` and `model`, as the report takes them. */
class UsageFilterQueryDto {
  /** Only this group's members (404 when there is no such group). */
  @ApiProperty({ format: 'uuid', required: false })
  @IsOptionalNotNull()
  @IsUUID()
  group_id?: string;

  /** Only this model's usage (a model id; past usage keeps a deleted model's id). */
  @ApiProperty({ required: false, example: 'local' })
  @IsOptionalNotNull()
  @IsString()
  @Matches(MODEL_ID_PATTERN, { message: 'model must be a model id' })
  model?: string;
}

/** `GET /api/admin/usage/history`. */
export class UsageHistoryQueryDto
  extends UsageFilterQueryDto
  implements UsageHistoryQuery
{
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

/** `GET /api/admin/usage/export`, which can also take one group. */
export class UsageExportGroupQueryDto extends UsageExportQueryDto {
  /** Only this group's members (404 when there is no such group). */
  @ApiProperty({ format: 'uuid', required: false })
  @IsOptionalNotNull()
  @IsUUID()
  group_id?: string;
}

/** `GET /api/admin/usage/models`. */
export class UsageByModelQueryDto
  extends UsageFilterQueryDto
  implements UsageByModelQuery
{
  @CalendarDayParam('The quota day; default today in `quota_timezone`.')
  date?: string;
}
