import type { Role, UpdateAdminUserRequest } from '@tally/api-contract';
import { IsBoolean } from 'class-validator';
import { IsOptionalNotNull } from '../../../common/validation';
import { NameField, RoleField } from '../../users/user-fields';
import { DailyLimit } from './daily-limit';

export class UpdateUserDto implements UpdateAdminUserRequest {
  @NameField()
  name?: string;

  @RoleField()
  role?: Role;

  /** false deactivates: every call of the user answers 401 at once. */
  @IsOptionalNotNull()
  @IsBoolean()
  is_active?: boolean;

  @DailyLimit('messages')
  max_ai_messages_per_day?: number | null;

  @DailyLimit('tokens')
  max_ai_tokens_per_day?: number | null;
}
