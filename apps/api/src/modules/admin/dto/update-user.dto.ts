import { IsOptionalNotNull } from '../../../common/validation';
import { ApiProperty } from '@nestjs/swagger';
import type { Role, UpdateAdminUserRequest } from '@tally/api-contract';
import { IsBoolean, IsIn, IsString, MaxLength } from 'class-validator';
import { DailyLimit } from './daily-limit';

export class UpdateUserDto implements UpdateAdminUserRequest {
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(100)
  name?: string;

  @ApiProperty({ enum: ['user', 'admin'], required: false })
  @IsOptionalNotNull()
  @IsIn(['user', 'admin'])
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
