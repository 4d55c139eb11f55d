import { ApiInt, ApiTimestamp, ApiUuid } from '../../../common/api-docs';
import { ApiProperty } from '@nestjs/swagger';
import {
  type ApiKey,
  type ApiKeyLimitUse,
  type ApiKeyList,
  LIMIT_METRICS,
  LIMIT_SET_BY,
  LIMIT_WINDOWS,
  type LimitMetric,
  type LimitSetBy,
  type LimitWindow,
  AUTH_SOURCES,
  type AuthSource,
  type AuthResponse,
  type CreatedApiKey,
  type Role,
  type User,
} from '@tally/api-contract';

export class UserDto implements User {
  @ApiUuid()
  id!: string;
  email!: string;
  name!: string;
  @ApiProperty({ enum: ['user', 'admin'] })
  role!: Role;
  is_active!: boolean;
  /** The user's own daily message limit; null = the default. */
  @ApiProperty({ type: 'integer', nullable: true })
  max_ai_messages_per_day!: number | null;
  /** The user's own daily token limit; null = the default. */
  @ApiProperty({ type: 'integer', nullable: true })
  max_ai_tokens_per_day!: number | null;
  @ApiTimestamp()
  created_at!: string;
  /** How the user signs in: a password, the OpenID provider, or made by SCIM. */
  @ApiProperty({ enum: AUTH_SOURCES })
  auth_source!: AuthSource;
}

export class AuthResponseDto implements AuthResponse {
  access_token!: string;
  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';
  /** Seconds until the access token expires. */
  @ApiInt({ example: 43200 })
  expires_in!: number;
  user!: UserDto;
}

export class ApiKeyLimitUseDto implements ApiKeyLimitUse {
  @ApiUuid()
  id!: string;
  /**
   * `owner`: set with the key, replaced by the owner's `PATCH … {limits}`;
   * `admin`: put on the key by an admin (`POST /api/admin/limits`), read-only to the owner.
   */
  @ApiProperty({ enum: LIMIT_SET_BY })
  set_by!: LimitSetBy;
  @ApiProperty({ enum: LIMIT_METRICS })
  metric!: LimitMetric;
  @ApiProperty({ enum: LIMIT_WINDOWS })
  window!: LimitWindow;
  /** The model it counts; null: every model (always so for the owner's). */
  @ApiProperty({ type: 'string', nullable: true, example: null })
  model!: string | null;
  @ApiProperty({ type: 'integer' })
  amount!: number;
  /** Settled use in the window now in force. */
  @ApiProperty({ type: 'integer' })
  used!: number;
  @ApiTimestamp()
  resets_at!: string;
}

export class ApiKeyDto implements ApiKey {
  @ApiUuid()
  id!: string;
  name!: string;
  /** The first characters of the key (of its newest secret), to recognise it. */
  prefix!: string;
  /** The only models the key may use; null: every model. */
  @ApiProperty({ type: [String], nullable: true })
  models!: string[] | null;
  /** The key's own limits (the owner's, then an admin's), with their use. */
  limits!: ApiKeyLimitUseDto[];
  @ApiTimestamp()
  created_at!: string;
  /** When the key was last used (to within a minute); null: never. */
  @ApiTimestamp({ nullable: true })
  last_used_at!: string | null;
  /** From this time on the key is refused (401, "API key expired"); null: never. */
  @ApiTimestamp({ nullable: true })
  expires_at!: string | null;
}

export class ApiKeyListDto implements ApiKeyList {
  items!: ApiKeyDto[];
}

export class CreatedApiKeyDto extends ApiKeyDto implements CreatedApiKey {
  /** The full key. It is shown this once and cannot be read again. */
  key!: string;
}
