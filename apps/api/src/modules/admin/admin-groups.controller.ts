import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Patch,
  Post,
  Put,
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
import type { Group, GroupList, Page, User } from '@tally/api-contract';
import {
  ApiAdmin,
  ApiBadInput,
  ApiNotFound,
  ErrorDto,
} from '../../common/api-docs';
import { PageQueryDto } from '../../common/pagination.dto';
import { Roles } from '../../common/decorators';
import { IdParam } from '../../common/id-param';
import {
  CreateGroupDto,
  GroupDto,
  GroupListDto,
  ListGroupsQueryDto,
  UpdateGroupDto,
} from '../groups/dto/group.dto';
import { GroupsService } from '../groups/groups.service';
import { UserListDto } from './dto/admin-user.dto';

const NAME_TAKEN = {
  type: ErrorDto,
  description:
    '`GROUP_EXISTS`: another group has this name (whatever its case)',
};

@ApiTags('admin')
@ApiBadInput()
@ApiAdmin()
@Roles('admin')
@Controller('admin/groups')
export class AdminGroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @ApiOkResponse({ type: GroupListDto })
  @ApiOperation({
    operationId: 'listGroups',
    summary: 'List and search groups',
  })
  list(@Query() q: ListGroupsQueryDto): Promise<GroupList> {
    return this.groups.list(q.search, q.page ?? 1, q.page_size ?? 50);
  }

  @Post()
  @ApiCreatedResponse({ type: GroupDto })
  @ApiConflictResponse(NAME_TAKEN)
  @ApiOperation({ operationId: 'createGroup', summary: 'Create a group' })
  create(@Body() dto: CreateGroupDto): Promise<Group> {
    return this.groups.create(dto.name, dto.description);
  }

  @Get(':id')
  @ApiOkResponse({ type: GroupDto })
  @ApiNotFound('group')
  @ApiOperation({ operationId: 'getGroup', summary: 'A group' })
  get(@IdParam() id: string): Promise<Group> {
    return this.groups.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: GroupDto })
  @ApiNotFound('group')
  @ApiConflictResponse(NAME_TAKEN)
  @ApiOperation({
    operationId: 'updateGroup',
    summary: 'Rename a group or change its description',
  })
  update(@IdParam() id: string, @Body() dto: UpdateGroupDto): Promise<Group> {
    return this.groups.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: 'Deleted, with its memberships and limits; past usage stays',
  })
  @ApiNotFound('group')
  @ApiOperation({
    operationId: 'deleteGroup',
    summary: 'Delete a group and its limits',
  })
  remove(@IdParam() id: string): Promise<void> {
    return this.groups.remove(id);
  }

  @Get(':id/members')
  @ApiOkResponse({ type: UserListDto, description: 'In the order they joined' })
  @ApiNotFound('group')
  @ApiOperation({
    operationId: 'listGroupMembers',
    summary: "A group's members",
  })
  members(
    @IdParam() id: string,
    @Query() q: PageQueryDto,
  ): Promise<Page<User>> {
    return this.groups.members(id, q.page ?? 1, q.page_size ?? 50);
  }

  @Put(':id/members/:user_id')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: 'The user is a member (already was, or now)',
  })
  @ApiNotFound('group or user')
  @ApiOperation({
    operationId: 'addGroupMember',
    summary: 'Add a user to a group',
  })
  addMember(
    @IdParam() id: string,
    @IdParam('user_id') userId: string,
  ): Promise<void> {
    return this.groups.addMember(id, userId);
  }

  @Delete(':id/members/:user_id')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: 'The user is not a member (was not, or no longer)',
  })
  @ApiNotFound('group or user')
  @ApiOperation({
    operationId: 'removeGroupMember',
    summary: 'Remove a user from a group',
  })
  removeMember(
    @IdParam() id: string,
    @IdParam('user_id') userId: string,
  ): Promise<void> {
    return this.groups.removeMember(id, userId);
  }
}
