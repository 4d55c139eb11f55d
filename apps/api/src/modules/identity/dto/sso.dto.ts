import { ApiProperty } from '@nestjs/swagger';
import type { SsoExchangeRequest, SsoStatus } from '@tally/api-contract';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class SsoStatusDto implements SsoStatus {
  /** Single sign-on is configured (`OIDC_ISSUER`, client id and secret, `PUBLIC_URL`). */
  enabled!: boolean;
  /** The login button's text (`OIDC_LABEL`). @example Single sign-on */
  label!: string;
  /** false (`PASSWORD_LOGIN=false`): only the `ADMIN_EMAIL` account signs in with a password. */
  password_login!: boolean;
}

export class SsoLoginQueryDto {
  @ApiProperty({
    required: false,
    maxLength: 2048,
    example: '/chat',
    description:
      'Where the web app goes after the sign-in: a path of this app (one leading `/`, not `//`, no scheme).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  return_to?: string;
}

export class SsoExchangeDto implements SsoExchangeRequest {
  @ApiProperty({
    maxLength: 128,
    description: 'The one-time code from `/sso#code=…`',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  code!: string;
}
