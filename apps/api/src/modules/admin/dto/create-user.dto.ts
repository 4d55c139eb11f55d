import { IsOptionalNotNull } from '../../../common/validation';
import { ApiProperty } from '@nestjs/swagger';
import type { CreateAdminUserRequest, Role } from '@tally/api-contract';
import { IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { DailyLimit } from './daily-limit';

export class CreateUserDto implements CreateAdminUserRequest {
  @IsEmail({ require_tld: false })
  @MaxLength(254)
  email!: string;

  /** 8 to 128 characters. */
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  password!: string;

  @IsOptionalNotNull()
  @IsString()
  @MaxLength(100)
  name?: string;

  @ApiProperty({ enum: ['user', 'admin'], required: false, default: 'user' })
  @IsOptionalNotNull()
  @IsIn(['user', 'admin'])
  role?: Role;

  @DailyLimit('messages')
  max_ai_messages_per_day?: number | null;

  @DailyLimit('tokens')
  max_ai_tokens_per_day?: number | null;
}
