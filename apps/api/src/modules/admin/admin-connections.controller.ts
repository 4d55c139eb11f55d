import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Patch,
  Post,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type {
  Connection,
  ConnectionList,
  ConnectionTestResult,
} from '@tally/api-contract';
import {
  ApiAdmin,
  ApiBadInput,
  ApiNotFound,
  ErrorDto,
} from '../../common/api-docs';
import { Roles } from '../../common/decorators';
import { IdParam } from '../../common/id-param';
import { ConnectionsService } from '../models/connections.service';
import {
  ConnectionDto,
  ConnectionListDto,
  ConnectionTestResultDto,
  CreateConnectionDto,
  UpdateConnectionDto,
} from '../models/dto/connection.dto';

const MANAGED = {
  type: ErrorDto,
  description:
    '`MANAGED_BY_ENVIRONMENT`: the built-in or the environment’s connection',
};

@ApiTags('admin')
@ApiBadInput()
@ApiAdmin()
@Roles('admin')
@Controller('admin/connections')
export class AdminConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get()
  @ApiOperation({ summary: 'List connections', operationId: 'listConnections' })
  @ApiOkResponse({ type: ConnectionListDto })
  async list(): Promise<ConnectionList> {
    return { items: await this.connections.list() };
  }

  @Post()
  @ApiOperation({
    summary: 'Add an OpenAI-compatible connection',
    description:
      'The API key is stored encrypted (AES-256-GCM under `SECRETS_KEY`) and never answered; ' +
      '400 `SECRETS_KEY_REQUIRED` in production without `SECRETS_KEY`.',
    operationId: 'createConnection',
  })
  @ApiCreatedResponse({ type: ConnectionDto })
  create(@Body() dto: CreateConnectionDto): Promise<Connection> {
    return this.connections.create(dto);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a connection',
    description: '`api_key: null` removes the key; leaving it out keeps it.',
    operationId: 'updateConnection',
  })
  @ApiOkResponse({ type: ConnectionDto })
  @ApiNotFound('connection')
  @ApiConflictResponse(MANAGED)
  update(
    @IdParam() id: string,
    @Body() dto: UpdateConnectionDto,
  ): Promise<Connection> {
    return this.connections.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a connection',
    operationId: 'deleteConnection',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFound('connection')
  @ApiConflictResponse({
    type: ErrorDto,
    description:
      '`CONNECTION_IN_USE` while a model uses it, or `MANAGED_BY_ENVIRONMENT`',
  })
  remove(@IdParam() id: string): Promise<void> {
    return this.connections.remove(id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Ask the provider for its models',
    description:
      "The provider's `GET /models`: `{ok: true, models}` or `{ok: false, error}`. " +
      'A redirect is a failure and is not followed; `error` never quotes what the provider answered.',
    operationId: 'testConnection',
  })
  @ApiOkResponse({ type: ConnectionTestResultDto })
  @ApiNotFound('connection')
  test(@IdParam() id: string): Promise<ConnectionTestResult> {
    return this.connections.test(id);
  }
}
