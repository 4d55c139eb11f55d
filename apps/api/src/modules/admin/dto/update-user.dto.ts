import type { Role, UpdateAdminUserRequest } from '@tally/api-contract';
import { IsBoolean } from 'class-validator';
import { IsOptionalNotNull } from '../../../common/validation';
import { NameField, PasswordField, RoleField } from '../../users/user-fields';
import { DailyLimit } from './daily-limit';

export class UpdateUserDto implements UpdateAdminUserRequest {
  @NameField()
  name?: string;

  @RoleField()
  role?: Role;

  /** A new password; the user's earlier access tokens stop working. */
  @PasswordField({ optional: true })
  password?: string;

  /** false deactivates: every call of the user answers 401 at once. */
  @IsOptionalNotNull()
  @IsBoolean()
  is_active?: boolean;

  @DailyLimit('messages')
  max_ai_messages_per_day?: number | null;

  @DailyLimit('tokens')
  max_ai_tokens_per_day?: number | null;
}
