import { IsOptionalNotNull } from '../../../common/validation';
import type { RegisterRequest } from '@tally/api-contract';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

export class RegisterDto implements RegisterRequest {
  /** @example ada@example.com */
  @IsEmail({ require_tld: false })
  @MaxLength(254)
  email!: string;

  /** 8 to 128 characters. */
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  password!: string;

  /** @example Ada Lovelace */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(100)
  name?: string;
}
