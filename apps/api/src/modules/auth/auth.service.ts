import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AuthResponse, User } from '@tally/api-contract';
import { ApiError } from '../../common/api-error';
import type { AuthUser } from '../../common/auth-user';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { SettingsService } from '../settings/settings.service';
import type { UserEntity } from '../users/user.entity';
import { toUser, UsersService } from '../users/users.service';
import { API_KEY_PREFIX, ApiKeysService } from './api-keys.service';

interface TokenPayload {
  sub: string;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly apiKeys: ApiKeysService,
    private readonly settings: SettingsService,
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async register(
    email: string,
    password: string,
    name?: string,
  ): Promise<AuthResponse> {
    if (!(await this.settings.value('allow_registration'))) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'REGISTRATION_CLOSED',
        'Registration is closed on this server',
      );
    }
    const user = await this.users.create({ email, password, name });
    return this.issue(user);
  }

  async login(email: string, password: string): Promise<AuthResponse> {
    const user = await this.users.authenticate(email, password);
    // A deactivated account answers like a wrong password: nothing is revealed.
    if (!user || !user.isActive) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'INVALID_CREDENTIALS',
        'Wrong email or password',
      );
    }
    return this.issue(user);
  }

  async me(caller: AuthUser): Promise<User> {
    return toUser(await this.users.getById(caller.id));
  }

  /**
   * Who a bearer token belongs to: an access token or an API key. The user is
   * read on every request, so deactivation and role changes apply at once.
   */
  async authenticate(token: string): Promise<AuthUser | null> {
    let userId: string | null;
    let via: AuthUser['via'];
    if (token.startsWith(API_KEY_PREFIX)) {
      userId = await this.apiKeys.resolve(token);
      via = 'api_key';
    } else {
      try {
        userId = (await this.jwt.verifyAsync<TokenPayload>(token)).sub;
      } catch {
        return null;
      }
      via = 'token';
    }
    if (!userId || !/^[0-9a-f-]{36}$/i.test(userId)) return null;
    const user = await this.users.findForAuth(userId);
    if (!user || !user.is_active) return null;
    return { id: user.id, email: user.email, role: user.role, via };
  }

  private async issue(user: UserEntity): Promise<AuthResponse> {
    const access_token = await this.jwt.signAsync({
      sub: user.id,
    } satisfies TokenPayload);
    return {
      access_token,
      token_type: 'Bearer',
      expires_in: this.config.jwtExpiresIn,
      user: toUser(user),
    };
  }
}
