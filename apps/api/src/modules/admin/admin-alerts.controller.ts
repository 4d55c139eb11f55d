import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AlertList, AlertTestResult } from '@tally/api-contract';
import { ApiAdmin, ApiBadInput, ErrorDto } from '../../common/api-docs';
import { Roles } from '../../common/decorators';
import { AlertDeliveryService } from '../alerts/alert-delivery.service';
import { AlertsService } from '../alerts/alerts.service';
import {
  AlertListDto,
  AlertTestResultDto,
  ListAlertsQueryDto,
} from '../alerts/dto/alert.dto';

@ApiTags('admin')
@ApiBadInput()
@ApiAdmin()
@Roles('admin')
@Controller('admin/alerts')
export class AdminAlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly delivery: AlertDeliveryService,
  ) {}

  @Get()
  @ApiOkResponse({ type: AlertListDto })
  @ApiOperation({
    operationId: 'listAlerts',
    summary: 'The recorded alerts, newest first, with their delivery',
  })
  list(@Query() q: ListAlertsQueryDto): Promise<AlertList> {
    return this.alerts.list(q.page ?? 1, q.page_size ?? 50);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOkResponse({
    type: AlertTestResultDto,
    description:
      'The test alert was sent once, now (never retried), and recorded with `type: "test"`; ' +
      '`delivered` says whether the receiver answered 2xx',
  })
  @ApiConflictResponse({
    type: ErrorDto,
    description: '`ALERT_WEBHOOK_NOT_SET`: there is no `alert_webhook_url`',
  })
  @ApiOperation({
    operationId: 'sendTestAlert',
    summary: 'Send a test alert to the webhook and say what happened',
    description:
      'POSTs `{"id", "type": "test", "threshold": null, "limit": null, "user": null, "created_at"}` ' +
      'to `alert_webhook_url`, signed like every alert, and waits for the answer (at most ALERTS_TIMEOUT_MS).',
  })
  test(): Promise<AlertTestResult> {
    return this.delivery.sendTest();
  }
}
