import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AdminUser, AdminUserList, Quota } from '@tally/api-contract';
import {
  ApiAdmin,
  ApiBadInput,
  ApiNotFound,
  ErrorDto,
} from '../../common/api-docs';
import { Roles } from '../../common/decorators';
import { IdParam } from '../../common/id-param';
import { QuotaDto } from '../chat/dto/quota.dto';
import { AdminUsersService } from './admin-users.service';
import { AdminUserDto, AdminUserListDto } from './dto/admin-user.dto';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQueryDto } from './dto/list-users-query.dto';
import { UpdateUserDto } from './dto/update-user.dto';

@ApiTags('admin')
@ApiBadInput()
@ApiAdmin()
@Roles('admin')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @ApiOkResponse({ type: AdminUserListDto })
  @ApiOperation({ operationId: 'listUsers', summary: 'List and search users' })
  list(@Query() q: ListUsersQueryDto): Promise<AdminUserList> {
    return this.users.list(q);
  }

  @Post()
  @ApiCreatedResponse({ type: AdminUserDto })
  @ApiConflictResponse({ type: ErrorDto, description: '`EMAIL_TAKEN`' })
  @ApiOperation({ operationId: 'createUser', summary: 'Create a user' })
  create(@Body() dto: CreateUserDto): Promise<AdminUser> {
    return this.users.create(dto);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AdminUserDto })
  @ApiNotFound('user')
  @ApiConflictResponse({
    type: ErrorDto,
    description:
      '`LAST_ADMIN`: the last active admin cannot be demoted or deactivated',
  })
  @ApiOperation({
    operationId: 'updateUser',
    summary: "Change a user's name, role, status or limits",
  })
  update(
    @IdParam() id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<AdminUser> {
    return this.users.update(id, dto);
  }

  @Get(':id/quota')
  @ApiOkResponse({
    type: QuotaDto,
    description: "The user's quota today, as they see it",
  })
  @ApiNotFound('user')
  @ApiOperation({
    operationId: 'getUserQuota',
    summary: "A user's quota today",
  })
  quota(@IdParam() id: string): Promise<Quota> {
    return this.users.quota(id);
  }
}
