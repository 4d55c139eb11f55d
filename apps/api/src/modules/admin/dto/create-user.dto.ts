import { ApiProperty } from '@nestjs/swagger';
import type { CreateAdminUserRequest, Role } from '@tally/api-contract';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class CreateUserDto implements CreateAdminUserRequest {
  @IsEmail()
  @MaxLength(254)
  email!: string;

  /** 8 to 128 characters. */
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  password!: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  @ApiProperty({ enum: ['user', 'admin'], required: false, default: 'user' })
  @IsOptional()
  @IsIn(['user', 'admin'])
  role?: Role;
}
