import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { GatewayRequest, GatewayRequestList } from '@tally/api-contract';
import { ApiAdmin, ApiBadInput, ApiNotFound } from '../../common/api-docs';
import { notFound } from '../../common/api-error';
import { Roles } from '../../common/decorators';
import { IdParam } from '../../common/id-param';
import { RequestLogService } from '../gateway/request-log.service';
import {
  GatewayRequestDto,
  GatewayRequestListDto,
  RequestsQueryDto,
} from './dto/requests.dto';

@ApiTags('admin')
@ApiBadInput()
@ApiAdmin()
@Roles('admin')
@Controller('admin/requests')
export class AdminRequestsController {
  constructor(private readonly log: RequestLogService) {}

  @Get()
  @ApiOkResponse({
    type: GatewayRequestListDto,
    description: 'Requests to the OpenAI-compatible endpoint, newest first',
  })
  @ApiOperation({
    operationId: 'listGatewayRequests',
    summary: 'The request log of the OpenAI-compatible endpoint',
  })
  list(@Query() q: RequestsQueryDto): Promise<GatewayRequestList> {
    return this.log.list({
      userId: q.user_id,
      apiKeyId: q.api_key_id,
      model: q.model,
      search: q.search,
      page: q.page ?? 1,
      pageSize: q.page_size ?? 50,
    });
  }

  @Get(':id')
  @ApiOkResponse({ type: GatewayRequestDto })
  @ApiNotFound('request')
  @ApiOperation({
    operationId: 'getGatewayRequest',
    summary: 'One row of the request log',
  })
  async get(@IdParam() id: string): Promise<GatewayRequest> {
    const row = await this.log.get(id);
    if (!row) throw notFound('Request');
    return row;
  }
}
