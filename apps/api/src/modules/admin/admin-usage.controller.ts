import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type {
  UsageByModel,
  UsageHistory,
  UsageReport,
} from '@tally/api-contract';
import { ApiAdmin, ApiBadInput, ApiNotFound } from '../../common/api-docs';
import { Roles } from '../../common/decorators';
import { AdminUsageService } from './admin-usage.service';
import {
  UsageByModelQueryDto,
  UsageExportGroupQueryDto,
  UsageHistoryQueryDto,
  UsageReportQueryDto,
} from './dto/usage-query.dto';
import {
  UsageByModelDto,
  UsageHistoryDto,
  UsageReportDto,
} from './dto/usage-report.dto';

@ApiTags('admin')
@ApiBadInput()
@ApiAdmin()
@Roles('admin')
@Controller('admin/usage')
export class AdminUsageController {
  constructor(private readonly usage: AdminUsageService) {}

  @Get()
  @ApiOkResponse({
    type: UsageReportDto,
    description: 'Settled usage of one quota day, per user',
  })
  @ApiNotFound('group')
  @ApiOperation({
    operationId: 'getUsageReport',
    summary: "Every user's usage on one day",
  })
  report(@Query() q: UsageReportQueryDto): Promise<UsageReport> {
    return this.usage.report(q);
  }

  @Get('history')
  @ApiOkResponse({
    type: UsageHistoryDto,
    description:
      "Settled usage per day: all users, one, or a group's members; all models or one",
  })
  @ApiNotFound('user or group')
  @ApiOperation({
    operationId: 'getUsageHistory',
    summary: 'Usage per day over a range of days',
  })
  history(@Query() q: UsageHistoryQueryDto): Promise<UsageHistory> {
    return this.usage.history(q);
  }

  @Get('models')
  @ApiOkResponse({
    type: UsageByModelDto,
    description:
      "Settled usage of one quota day per model: all users' or a group's members'",
  })
  @ApiNotFound('group')
  @ApiOperation({
    operationId: 'getUsageByModel',
    summary: "One day's usage per model",
  })
  byModel(@Query() q: UsageByModelQueryDto): Promise<UsageByModel> {
    return this.usage.byModel(q);
  }

  @Get('export')
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description:
      "The day's report as CSV (RFC 4180, CRLF, UTF-8 with a byte order mark), every row: `user_id,email,name,messages,tokens,messages_limit,tokens_limit,cost_usd` (cost in US dollars, 6 decimals). " +
      'With `from` and `to`: one row per user per day with usage, `date` first. ' +
      "Text cells that a spreadsheet would run as a formula start with `'`.",
    schema: { type: 'string' },
  })
  @ApiNotFound('group')
  @ApiOperation({ operationId: 'exportUsage', summary: 'Usage as CSV' })
  export(@Query() q: UsageExportGroupQueryDto): Promise<StreamableFile> {
    return this.usage.exportCsv(q);
  }
}
