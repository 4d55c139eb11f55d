import { ApiProperty } from '@nestjs/swagger';
import type { ChangePasswordRequest } from '@tally/api-contract';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { PasswordField } from '../../users/user-fields';

export class ChangePasswordDto implements ChangePasswordRequest {
  @ApiProperty({ maxLength: 128 })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  current_password!: string;

  @PasswordField()
  new_password!: string;
}
