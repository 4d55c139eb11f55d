import type { LoginRequest } from '@tally/api-contract';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto implements LoginRequest {
  /** @example ada@example.com */
  @IsEmail({ require_tld: false })
  @MaxLength(254)
  email!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;
}
