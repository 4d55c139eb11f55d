import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Patch,
  Post,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import type {
  ApiKey,
  ApiKeyList,
  AuthResponse,
  CreatedApiKey,
  RegistrationStatus,
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
import {
  AccessTokenOnly,
  ClientIp,
  CurrentUser,
  Public,
} from '../../common/decorators';
import { IdParam } from '../../common/id-param';
import { ApiKeysService } from './api-keys.service';
import { AuthService } from './auth.service';
import {
  ApiKeyDto,
  ApiKeyListDto,
  AuthResponseDto,
  CreatedApiKeyDto,
  UserDto,
} from './dto/auth-response.dto';
import { ChangePasswordDto } from './dto/change-password.dto';
import {
  CreateApiKeyDto,
  RotateApiKeyDto,
  UpdateApiKeyDto,
} from './dto/create-api-key.dto';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { RegistrationStatusDto } from './dto/registration-status.dto';
import { UpdateMeDto } from './dto/update-me.dto';

/** Answers that carry a credential are never stored by a cache (RFC 6749, section 5.1). */
const NO_STORE = {
  'Cache-Control': {
    description: 'Always `no-store`: the answer carries a credential',
    schema: { type: 'string', example: 'no-store' },
  },
};

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds until another attempt is allowed',
    schema: { type: 'integer' },
  },
};

const KEY_NOT_ALLOWED = {
  type: ErrorDto,
  description: '`API_KEY_NOT_ALLOWED`: keys are managed with a login only',
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
    description:
      '`REGISTRATION_CLOSED`, or `PASSWORD_LOGIN_DISABLED` (`PASSWORD_LOGIN=false`)',
  })
  @ApiConflictResponse({ type: ErrorDto, description: '`EMAIL_TAKEN`' })
  @ApiOperation({
    operationId: 'register',
    summary: 'Create an account and sign in',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorDto,
    description:
      '`TOO_MANY_REQUESTS`: more than `REGISTER_MAX_PER_HOUR` registrations from this client address',
    headers: RETRY_AFTER,
  })
  register(
    @Body() dto: RegisterDto,
    @ClientIp() address: string,
  ): Promise<AuthResponse> {
    return this.auth.register(dto.email, dto.password, dto.name, address);
  }

  @Public()
  @Get('registration')
  @ApiOkResponse({ type: RegistrationStatusDto })
  @ApiDatabase()
  @ApiOperation({
    operationId: 'registrationStatus',
    summary: 'Whether anyone may create an account',
    description:
      'For the sign-in page, which offers registration only when it is open. No authentication.',
  })
  registration(): Promise<RegistrationStatus> {
    return this.auth.registration();
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: AuthResponseDto, headers: NO_STORE })
  @ApiDatabase()
  @ApiUnauthorizedResponse({
    type: ErrorDto,
    description: 'Wrong email or password (the same answer for both)',
  })
  @ApiForbiddenResponse({
    type: ErrorDto,
    description:
      '`PASSWORD_LOGIN_DISABLED`: `PASSWORD_LOGIN=false`, and this is not the `ADMIN_EMAIL` account',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorDto,
    description:
      '`TOO_MANY_REQUESTS`: too many failed attempts for this email from this client address, ' +
      'from this address over all emails (10×), or for this email over all addresses (4×); successful logins are not counted',
    headers: RETRY_AFTER,
  })
  @ApiOperation({
    operationId: 'login',
    summary: 'Sign in with email and password',
  })
  login(
    @Body() dto: LoginDto,
    @ClientIp() address: string,
  ): Promise<AuthResponse> {
    return this.auth.login(dto.email, dto.password, address);
  }

  @Get('me')
  @ApiAuth()
  @ApiOkResponse({ type: UserDto })
  @ApiOperation({ operationId: 'getMe', summary: 'The signed-in user' })
  me(@CurrentUser() user: AuthUser): Promise<User> {
    return this.auth.me(user);
  }

  @Patch('me')
  @ApiAuth()
  @ApiOkResponse({ type: UserDto })
  @ApiOperation({
    operationId: 'updateMe',
    summary: "Change the signed-in user's name",
  })
  updateMe(
    @CurrentUser() user: AuthUser,
    @Body() dto: UpdateMeDto,
  ): Promise<User> {
    return this.auth.updateMe(user, dto.name);
  }

  @Post('password')
  @AccessTokenOnly()
  @HttpCode(204)
  @ApiAuth()
  @ApiForbiddenResponse({
    type: ErrorDto,
    description:
      '`API_KEY_NOT_ALLOWED`: the password is changed with a login only',
  })
  @ApiNoContentResponse({
    description:
      'Changed; every access token issued before (this one included) stops working',
  })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: '`WRONG_PASSWORD`: the current password is not correct',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorDto,
    description:
      '`TOO_MANY_REQUESTS`: `LOGIN_MAX_ATTEMPTS` wrong current passwords of this user within `LOGIN_WINDOW_SECONDS`; ' +
      'until the window ends even the right one is refused',
    headers: RETRY_AFTER,
  })
  @ApiOperation({
    operationId: 'changePassword',
    summary: 'Change the password',
  })
  changePassword(
    @CurrentUser() user: AuthUser,
    @Body() dto: ChangePasswordDto,
  ): Promise<void> {
    return this.auth.changePassword(
      user,
      dto.current_password,
      dto.new_password,
    );
  }

  @Get('api-keys')
  @AccessTokenOnly()
  @ApiAuth()
  @ApiForbiddenResponse(KEY_NOT_ALLOWED)
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: "The caller's API keys",
  })
  async listKeys(@CurrentUser() user: AuthUser): Promise<ApiKeyList> {
    return { items: await this.apiKeys.list(user.id) };
  }

  @Post('api-keys')
  @AccessTokenOnly()
  @Header('Cache-Control', 'no-store')
  @ApiAuth()
  @ApiForbiddenResponse(KEY_NOT_ALLOWED)
  @ApiConflictResponse({
    type: ErrorDto,
    description: '`TOO_MANY_KEYS`: the user already has 50 keys',
  })
  @ApiCreatedResponse({
    type: CreatedApiKeyDto,
    description: 'The key is in the answer this once',
    headers: NO_STORE,
  })
  @ApiOperation({
    operationId: 'createApiKey',
    summary: 'Create an API key (shown this once)',
  })
  createKey(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateApiKeyDto,
  ): Promise<CreatedApiKey> {
    return this.apiKeys.create(user.id, dto);
  }

  @Patch('api-keys/:id')
  @AccessTokenOnly()
  @ApiAuth()
  @ApiForbiddenResponse(KEY_NOT_ALLOWED)
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiNotFound('API key')
  @ApiOperation({
    operationId: 'updateApiKey',
    summary: "Change an API key's name, models, limits or expiry",
  })
  updateKey(
    @CurrentUser() user: AuthUser,
    @IdParam() id: string,
    @Body() dto: UpdateApiKeyDto,
  ): Promise<ApiKey> {
    return this.apiKeys.update(user.id, id, dto);
  }

  @Post('api-keys/:id/rotate')
  @AccessTokenOnly()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiAuth()
  @ApiForbiddenResponse(KEY_NOT_ALLOWED)
  @ApiOkResponse({
    type: CreatedApiKeyDto,
    description:
      'The same key (id, models, limits, use, expiry) with a new secret, in the answer this once; the old secret works for `grace_seconds` more',
    headers: NO_STORE,
  })
  @ApiNotFound('API key')
  @ApiOperation({
    operationId: 'rotateApiKey',
    summary: 'Give an API key a new secret (shown this once)',
  })
  rotateKey(
    @CurrentUser() user: AuthUser,
    @IdParam() id: string,
    @Body() dto: RotateApiKeyDto,
  ): Promise<CreatedApiKey> {
    return this.apiKeys.rotate(user.id, id, dto);
  }

  @Delete('api-keys/:id')
  @AccessTokenOnly()
  @HttpCode(204)
  @ApiAuth()
  @ApiForbiddenResponse(KEY_NOT_ALLOWED)
  @ApiNoContentResponse({
    description: 'Deleted; the key stops working at once',
  })
  @ApiNotFound('API key')
  @ApiOperation({ operationId: 'deleteApiKey', summary: 'Delete an API key' })
  deleteKey(
    @CurrentUser() user: AuthUser,
    @IdParam() id: string,
  ): Promise<void> {
    return this.apiKeys.remove(user.id, id);
  }
}
