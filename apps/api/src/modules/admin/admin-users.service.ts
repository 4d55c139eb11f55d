import { Injectable } from '@nestjs/common';
import type {
  AdminUser,
  AdminUserList,
  Quota,
  Settings,
} from '@tally/api-contract';
import { SettingsService } from '../settings/settings.service';
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
    private readonly settings: SettingsService,
    private readonly usage: UsageService,
  ) {}

  async list(q: ListUsersQueryDto): Promise<AdminUserList> {
    const page = q.page ?? 1;
    const pageSize = q.page_size ?? 50;
    const [{ items, total }, settings] = await Promise.all([
      this.users.list(q.search, page, pageSize),
      this.settings.get(),
    ]);
    return {
      items: items.map((u) => toAdminUser(u, settings)),
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
      maxAiMessagesPerDay: dto.max_ai_messages_per_day,
      maxAiTokensPerDay: dto.max_ai_tokens_per_day,
    });
    return toAdminUser(user, await this.settings.get());
  }

  async update(id: string, dto: UpdateUserDto): Promise<AdminUser> {
    const user = await this.users.update(
      id,
      {
        name: dto.name,
        role: dto.role,
        isActive: dto.is_active,
        password: dto.password,
      },
      (set) => {
        if (dto.max_ai_messages_per_day !== undefined)
          set.maxAiMessagesPerDay = dto.max_ai_messages_per_day;
        if (dto.max_ai_tokens_per_day !== undefined)
          set.maxAiTokensPerDay = dto.max_ai_tokens_per_day;
      },
    );
    return toAdminUser(user, await this.settings.get());
  }

  /** The user's quota today, as they would see it; 404 when there is no such user. */
  quota(id: string): Promise<Quota> {
    return this.usage.getQuota(id);
  }
}

export function toAdminUser(u: UserEntity, s: Settings): AdminUser {
  const user = toUser(u);
  const limits = LimitsService.daily(user, s);
  return {
    ...user,
    effective_max_ai_messages_per_day: limits.messages,
    effective_max_ai_tokens_per_day: limits.tokens,
  };
}
