import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Health } from '@tally/api-contract';
import type { FastifyReply } from 'fastify';
import { ApiBadInput } from '../../common/api-docs';
import { Public } from '../../common/decorators';
import { DatabaseService } from '../../database/database.service';

class HealthDto implements Health {
  status!: 'ok' | 'error';
  database!: 'up' | 'down';
}

@ApiTags('operations')
@ApiBadInput()
@Controller('health')
export class HealthController {
  constructor(private readonly db: DatabaseService) {}

  @Public()
  @Get()
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({
    type: HealthDto,
    description: 'The database is unreachable',
  })
  @ApiOperation({
    operationId: 'getHealth',
    summary: 'Whether the API and its database are up',
  })
  async health(@Res({ passthrough: true }) res: FastifyReply): Promise<Health> {
    const up = await this.db.ping();
    if (!up) res.code(503);
    return { status: up ? 'ok' : 'error', database: up ? 'up' : 'down' };
  }
}
