import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AdminLimit, AdminLimitList } from '@tally/api-contract';
import {
  ApiAdmin,
  ApiBadInput,
  ApiNotFound,
  ErrorDto,
} from '../../common/api-docs';
import { Roles } from '../../common/decorators';
import { IdParam } from '../../common/id-param';
import {
  AdminLimitDto,
  AdminLimitListDto,
  CreateLimitDto,
  ListLimitsQueryDto,
  UpdateLimitDto,
} from '../usage/dto/limit.dto';
import { LimitAdminService } from '../usage/limit-admin.service';

@ApiTags('admin')
@ApiBadInput()
@ApiAdmin()
@Roles('admin')
@Controller('admin/limits')
export class AdminLimitsController {
  constructor(private readonly limits: LimitAdminService) {}

  @Get()
  @ApiOkResponse({ type: AdminLimitListDto })
  @ApiOperation({
    operationId: 'listLimits',
    summary: 'List limits, all or of one subject',
  })
  async list(@Query() q: ListLimitsQueryDto): Promise<AdminLimitList> {
    return { items: await this.limits.list(q.subject, q.subject_id) };
  }

  @Post()
  @ApiCreatedResponse({ type: AdminLimitDto })
  @ApiNotFound('group, user or API key')
  @ApiConflictResponse({
    type: ErrorDto,
    description:
      '`LIMIT_EXISTS`: a limit with the same subject, metric, window, model and `shared` exists',
  })
  @ApiOperation({ operationId: 'createLimit', summary: 'Create a limit' })
  create(@Body() dto: CreateLimitDto): Promise<AdminLimit> {
    return this.limits.create(dto);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AdminLimitDto })
  @ApiNotFound('limit')
  @ApiOperation({
    operationId: 'updateLimit',
    summary: "Change a limit's amount",
  })
  update(
    @IdParam() id: string,
    @Body() dto: UpdateLimitDto,
  ): Promise<AdminLimit> {
    return this.limits.update(id, dto.amount);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFound('limit')
  @ApiConflictResponse({
    type: ErrorDto,
    description:
      '`LIMIT_REQUIRED`: the everyone daily message and token limits cannot be deleted',
  })
  @ApiOperation({ operationId: 'deleteLimit', summary: 'Delete a limit' })
  remove(@IdParam() id: string): Promise<void> {
    return this.limits.remove(id);
  }
}
