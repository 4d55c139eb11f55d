import type { CreateAdminUserRequest, Role } from '@tally/api-contract';
import {
  EmailField,
  NameField,
  PasswordField,
  RoleField,
} from '../../users/user-fields';
import { DailyLimit } from './daily-limit';

export class CreateUserDto implements CreateAdminUserRequest {
  @EmailField()
  email!: string;

  @PasswordField()
  password!: string;

  @NameField()
  name?: string;

  @RoleField('user')
  role?: Role;

  @DailyLimit('messages')
  max_ai_messages_per_day?: number | null;

  @DailyLimit('tokens')
  max_ai_tokens_per_day?: number | null;
}
