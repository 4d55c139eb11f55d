import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { GatewayRequestList } from '@tally/api-contract';
import { ApiAdmin, ApiBadInput } from '../../common/api-docs';
import { Roles } from '../../common/decorators';
import { RequestLogService } from '../gateway/request-log.service';
import { GatewayRequestListDto, RequestsQueryDto } from './dto/requests.dto';

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
      page: q.page ?? 1,
      pageSize: q.page_size ?? 50,
    });
  }
}
