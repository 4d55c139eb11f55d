import { Injectable } from '@nestjs/common';
import type { AdminUser, AdminUserList, Quota } from '@tally/api-contract';
import { GroupsService } from '../groups/groups.service';
import { ModelsService } from '../models/models.service';
import { LimitsService } from '../usage/limits.service';
import { UsageService } from '../usage/usage.service';
import type { UserEntity } from '../users/user.entity';
import { toUser, UsersService } from '../users/users.service';
import type { CreateUserDto } from './dto/create-user.dto';
import type { ListUsersQueryDto } from './dto/list-users-query.dto';
import type { UpdateUserDto } from './dto/update-user.dto';

/** Admin views of users: the user plus the limits that apply to them. */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: UsersService,
    private readonly limits: LimitsService,
    private readonly usage: UsageService,
    private readonly groups: GroupsService,
    private readonly models: ModelsService,
  ) {}

  async list(q: ListUsersQueryDto): Promise<AdminUserList> {
    const page = q.page ?? 1;
    const pageSize = q.page_size ?? 50;
    const { items, total } = await this.users.list(q.search, page, pageSize);
    return {
      items: await this.toAdminUsers(items),
      total,
      page,
      page_size: pageSize,
    };
  }

  async create(dto: CreateUserDto): Promise<AdminUser> {
    const user = await this.users.create({
      email: dto.email,
      password: dto.password,
      name: dto.name,
      role: dto.role,
    });
    await this.setDaily(user.id, dto);
    return this.get(user.id);
  }

  async update(id: string, dto: UpdateUserDto): Promise<AdminUser> {
    const user = await this.users.update(id, {
      name: dto.name,
      role: dto.role,
      isActive: dto.is_active,
      password: dto.password,
    });
    await this.setDaily(user.id, dto);
    return this.get(user.id);
  }

  async get(id: string): Promise<AdminUser> {
    const [user] = await this.toAdminUsers([await this.users.getById(id)]);
    return user;
  }

  /** The seed's limit fields, written as the user's own daily limits. */
  private async setDaily(
    id: string,
    dto: Pick<
      CreateUserDto,
      'max_ai_messages_per_day' | 'max_ai_tokens_per_day'
    >,
  ): Promise<void> {
    if (dto.max_ai_messages_per_day !== undefined)
      await this.limits.setUserDaily(
        id,
        'messages',
        dto.max_ai_messages_per_day,
      );
    if (dto.max_ai_tokens_per_day !== undefined)
      await this.limits.setUserDaily(id, 'tokens', dto.max_ai_tokens_per_day);
  }

  /** Users with the limits that apply to them and their groups: two queries for any number. */
  private async toAdminUsers(users: UserEntity[]): Promise<AdminUser[]> {
    const ids = users.map((u) => u.id);
    const [daily, groups] = await Promise.all([
      this.limits.effectiveDaily(ids),
      this.groups.groupsOf(ids),
    ]);
    return users.map((u) => {
      const d = daily.get(u.id) ?? { messages: 0, tokens: 0 };
      return {
        ...toUser(u),
        effective_max_ai_messages_per_day: d.messages,
        effective_max_ai_tokens_per_day: d.tokens,
        groups: groups.get(u.id) ?? [],
      };
    });
  }

  /** The user's quota today, as they would see it; 404 when there is no such user. */
  async quota(id: string): Promise<Quota> {
    // As the user sees it in the chat: for sends to the default model.
    return this.usage.getQuota(id, await this.models.quotaModel());
  }
}
