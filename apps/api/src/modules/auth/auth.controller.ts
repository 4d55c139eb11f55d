import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Post,
  UseGuards,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import type {
  ApiKeyList,
  AuthResponse,
  CreatedApiKey,
  User,
} from '@tally/api-contract';
import {
  ApiAuth,
  ApiBadInput,
  ApiDatabase,
  ApiNotFound,
  ErrorDto,
} from '../../common/api-docs';
import type { AuthUser } from '../../common/auth-user';
import { CurrentUser, Public } from '../../common/decorators';
import { IdParam } from '../../common/id-param';
import { ApiKeysService } from './api-keys.service';
import { AuthService } from './auth.service';
import {
  ApiKeyListDto,
  AuthResponseDto,
  CreatedApiKeyDto,
  UserDto,
} from './dto/auth-response.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { LoginThrottlerGuard } from './login-throttler.guard';

/** Answers that carry a credential are never stored by a cache (RFC 6749, section 5.1). */
const NO_STORE = {
  'Cache-Control': {
    description: 'Always `no-store`: the answer carries a credential',
    schema: { type: 'string', example: 'no-store' },
  },
};

@ApiTags('auth')
@ApiBadInput()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  @Public()
  @Post('register')
  @Header('Cache-Control', 'no-store')
  @ApiCreatedResponse({ type: AuthResponseDto, headers: NO_STORE })
  @ApiDatabase()
  @ApiForbiddenResponse({
    type: ErrorDto,
    description: '`REGISTRATION_CLOSED`',
  })
  @ApiConflictResponse({ type: ErrorDto, description: '`EMAIL_TAKEN`' })
  register(@Body() dto: RegisterDto): Promise<AuthResponse> {
    return this.auth.register(dto.email, dto.password, dto.name);
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @UseGuards(LoginThrottlerGuard)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: AuthResponseDto, headers: NO_STORE })
  @ApiDatabase()
  @ApiUnauthorizedResponse({
    type: ErrorDto,
    description: 'Wrong email or password (the same answer for both)',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorDto,
    description:
      '`TOO_MANY_REQUESTS`: too many failed attempts for this email from this client',
    headers: {
      'Retry-After': {
        description: 'Seconds until another attempt is allowed',
        schema: { type: 'integer' },
      },
    },
  })
  login(@Body() dto: LoginDto): Promise<AuthResponse> {
    return this.auth.login(dto.email, dto.password);
  }

  @Get('me')
  @ApiAuth()
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() user: AuthUser): Promise<User> {
    return this.auth.me(user);
  }

  @Get('api-keys')
  @ApiAuth()
  @ApiOkResponse({ type: ApiKeyListDto })
  async listKeys(@CurrentUser() user: AuthUser): Promise<ApiKeyList> {
    return { items: await this.apiKeys.list(user.id) };
  }

  @Post('api-keys')
  @Header('Cache-Control', 'no-store')
  @ApiAuth()
  @ApiCreatedResponse({
    type: CreatedApiKeyDto,
    description: 'The key is in the answer this once',
    headers: NO_STORE,
  })
  createKey(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateApiKeyDto,
  ): Promise<CreatedApiKey> {
    return this.apiKeys.create(user.id, dto.name);
  }

  @Delete('api-keys/:id')
  @HttpCode(204)
  @ApiAuth()
  @ApiNoContentResponse({
    description: 'Deleted; the key stops working at once',
  })
  @ApiNotFound('API key')
  deleteKey(
    @CurrentUser() user: AuthUser,
    @IdParam() id: string,
  ): Promise<void> {
    return this.apiKeys.remove(user.id, id);
  }
}
