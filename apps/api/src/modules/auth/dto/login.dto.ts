import type { LoginRequest } from '@tally/api-contract';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { EmailField } from '../../users/user-fields';

export class LoginDto implements LoginRequest {
  @EmailField()
  email!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;
}
