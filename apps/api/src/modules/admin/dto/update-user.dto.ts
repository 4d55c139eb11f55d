import { ApiProperty } from '@nestjs/swagger';
import type { Role, UpdateAdminUserRequest } from '@tally/api-contract';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class UpdateUserDto implements UpdateAdminUserRequest {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  @ApiProperty({ enum: ['user', 'admin'], required: false })
  @IsOptional()
  @IsIn(['user', 'admin'])
  role?: Role;

  /** false deactivates: every call of the user answers 401 at once. */
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;
}
