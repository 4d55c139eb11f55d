import { ApiInt, ApiTimestamp, ApiUuid } from '../../../common/api-docs';
import { ApiProperty } from '@nestjs/swagger';
import type {
  ApiKey,
  ApiKeyList,
  AuthResponse,
  CreatedApiKey,
  Role,
  User,
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

export class ApiKeyDto implements ApiKey {
  @ApiUuid()
  id!: string;
  name!: string;
  /** The first characters of the key, to recognise it. */
  prefix!: string;
  @ApiTimestamp()
  created_at!: string;
  /** When the key was last used (to within a minute); null: never. */
  @ApiTimestamp({ nullable: true })
  last_used_at!: string | null;
}

export class ApiKeyListDto implements ApiKeyList {
  items!: ApiKeyDto[];
}

export class CreatedApiKeyDto implements CreatedApiKey {
  @ApiUuid()
  id!: string;
  name!: string;
  prefix!: string;
  /** The full key. It is shown this once and cannot be read again. */
  key!: string;
  @ApiTimestamp()
  created_at!: string;
}
