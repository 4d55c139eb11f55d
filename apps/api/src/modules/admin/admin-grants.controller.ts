import { Body, Controller, Get, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Grant, GrantList } from '@tally/api-contract';
import type { AuthUser } from '../../common/auth-user';
import {
  ApiAdmin,
  ApiBadInput,
  ApiNotFound,
  ErrorDto,
} from '../../common/api-docs';
import { CurrentUser, Roles } from '../../common/decorators';
import { IdParam } from '../../common/id-param';
import { CreateGrantDto, GrantDto, GrantListDto } from '../usage/dto/grant.dto';
import { GrantsService } from '../usage/grants.service';

@ApiTags('admin')
@ApiBadInput()
@ApiAdmin()
@Roles('admin')
@Controller('admin/users')
export class AdminGrantsController {
  constructor(private readonly grants: GrantsService) {}

  @Post(':id/grants')
  @ApiCreatedResponse({
    type: GrantDto,
    description: 'Raises the limit until the window now in force ends',
  })
  @ApiNotFound('user')
  @ApiConflictResponse({
    type: ErrorDto,
    description:
      '`NO_SUCH_LIMIT`: no personal limit of that metric, window and model applies to the user',
  })
  @ApiOperation({
    operationId: 'createGrant',
    summary: "Raise a user's limit for the window in force",
  })
  create(
    @IdParam() id: string,
    @Body() dto: CreateGrantDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<Grant> {
    return this.grants.create(id, admin.id, dto);
  }

  @Get(':id/grants')
  @ApiOkResponse({ type: GrantListDto, description: 'Those not yet expired' })
  @ApiNotFound('user')
  @ApiOperation({
    operationId: 'listGrants',
    summary: "A user's grants in force",
  })
  async list(@IdParam() id: string): Promise<GrantList> {
    return { items: await this.grants.list(id) };
  }
}
