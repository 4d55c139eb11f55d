import { ApiInt } from '../../../common/api-docs';
import type { AdminUser, AdminUserList, Page, User } from '@tally/api-contract';
import { UserDto } from '../../auth/dto/auth-response.dto';
import { GroupRefDto } from '../../groups/dto/group.dto';

export class AdminUserDto extends UserDto implements AdminUser {
  /** The message limit that applies: the user's own, else the default. */
  @ApiInt()
  effective_max_ai_messages_per_day!: number;
  /** The token limit that applies: the user's own, else the default. */
  @ApiInt()
  effective_max_ai_tokens_per_day!: number;
  /** The groups the user is in, by name. */
  groups!: GroupRefDto[];
}

export class AdminUserListDto implements AdminUserList {
  items!: AdminUserDto[];
  @ApiInt()
  total!: number;
  @ApiInt()
  page!: number;
  @ApiInt()
  page_size!: number;
}

export class UserListDto implements Page<User> {
  items!: UserDto[];
  @ApiInt()
  total!: number;
  @ApiInt()
  page!: number;
  @ApiInt()
  page_size!: number;
}
