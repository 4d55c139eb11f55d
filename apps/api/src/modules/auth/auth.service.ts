import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type {
  AuthResponse,
  RegistrationStatus,
  User,
} from '@tally/api-contract';
import { ApiError } from '../../common/api-error';
import type { AuthUser } from '../../common/auth-user';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { SettingsService } from '../settings/settings.service';
import type { UserEntity } from '../users/user.entity';
import { type AuthRow, toUser, UsersService } from '../users/users.service';
import {
  API_KEY_PREFIX,
  ApiKeysService,
  type ResolvedKey,
} from './api-keys.service';
import { AuthThrottle } from './auth-throttle.service';
import { VerifiedTokens } from './verified-tokens';

interface TokenPayload {
  sub: string;
  /** The user's token version when issued (absent on tokens from before versions: 0). */
  ver?: number;
  exp?: number;
}

@Injectable()
export class AuthService {
  /** Access tokens whose signature was checked; their expiry is checked on every use. */
  private readonly tokens = new VerifiedTokens<TokenPayload>((token) =>
    this.jwt.verifyAsync<TokenPayload>(token),
  );

  constructor(
    private readonly users: UsersService,
    private readonly apiKeys: ApiKeysService,
    private readonly settings: SettingsService,
    private readonly jwt: JwtService,
    private readonly throttle: AuthThrottle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async register(
    email: string,
    password: string,
    name: string | undefined,
    address: string,
  ): Promise<AuthResponse> {
    if (!this.config.sso.passwordLogin) throw passwordLoginDisabled();
    if (!(await this.settings.value('allow_registration'))) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'REGISTRATION_CLOSED',
        'Registration is closed on this server',
      );
    }
    await this.throttle.registration(address);
    const user = await this.users.create({ email, password, name });
    return this.issue(user);
  }

  /** Whether `register` takes anyone now: what a sign-in page may offer. */
  async registration(): Promise<RegistrationStatus> {
    if (!this.config.sso.passwordLogin) return { open: false };
    return { open: Boolean(await this.settings.value('allow_registration')) };
  }

  /** Failed attempts are throttled (AuthThrottle); a right password is never counted. */
  async login(
    email: string,
    password: string,
    address: string,
  ): Promise<AuthResponse> {
    // The ADMIN_EMAIL account keeps its password: the way in when the provider is not.
    if (
      !this.config.sso.passwordLogin &&
      email.trim().toLowerCase() !== this.config.adminEmail
    )
      throw passwordLoginDisabled();
    const attempt = await this.throttle.loginAttempt(address, email);
    let user: UserEntity | null;
    try {
      user = await this.users.authenticate(email, password);
    } catch (err) {
      await attempt.undecided();
      throw err;
    }
    if (!user) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'INVALID_CREDENTIALS',
        'Wrong email or password',
      );
    }
    await attempt.succeeded();
    // Said only to someone who gave the right password: it reveals nothing
    // that a guess could learn (a wrong password still answers as above).
    if (!user.isActive) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'USER_DEACTIVATED',
        'This account is deactivated; ask an administrator',
      );
    }
    return this.issue(user);
  }

  async me(caller: AuthUser): Promise<User> {
    return toUser(await this.users.getById(caller.id));
  }

  async updateMe(caller: AuthUser, name: string | undefined): Promise<User> {
    return toUser(await this.users.update(caller.id, { name }));
  }

  /**
   * Every access token issued before the change stops working, the
   * caller's included. Wrong current passwords are throttled per user
   * (AuthThrottle), as failed logins are.
   */
  async changePassword(
    caller: AuthUser,
    current: string,
    next: string,
  ): Promise<void> {
    const attempt = await this.throttle.passwordAttempt(caller.id);
    let changed: boolean;
    try {
      changed = await this.users.changePassword(caller.id, current, next);
    } catch (err) {
      await attempt.undecided();
      throw err;
    }
    if (!changed)
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'WRONG_PASSWORD',
        'The current password is not correct',
      );
    await attempt.succeeded();
  }

  /**
   * Who a bearer token belongs to: an access token or an API key. The user is
   * read on every request, so deactivation and role changes apply at once:
   * by `readUser` for an access token (a statement that reads more with the
   * user, see AuthGuard), else by the lookup of its own. An API key past its
   * expiry is refused as such (401, "API key expired"), so that its owner
   * knows why.
   */
  async authenticate(
    token: string,
    readUser: (id: string) => Promise<AuthRow | null> = (id) =>
      this.users.findForAuth(id),
  ): Promise<AuthUser | null> {
    let userId: string | null;
    let via: AuthUser['via'];
    let version: number | null = null;
    let key: ResolvedKey | null = null;
    if (token.startsWith(API_KEY_PREFIX)) {
      key = await this.apiKeys.resolve(token);
      if (key?.expired)
        throw new ApiError(
          HttpStatus.UNAUTHORIZED,
          'UNAUTHORIZED',
          'API key expired',
        );
      userId = key?.userId ?? null;
      via = 'api_key';
    } else {
      const payload = await this.tokens.payload(token);
      // jsonwebtoken accepts a token without `exp` as one that never expires.
      if (!payload || typeof payload.exp !== 'number') return null;
      userId = typeof payload.sub === 'string' ? payload.sub : null;
      version = payload.ver ?? 0;
      via = 'token';
    }
    if (!userId || !/^[0-9a-f-]{36}$/i.test(userId)) return null;
    // An API key's owner came with the key, in the same statement.
    const user = key ? key.user : await readUser(userId);
    if (!user || !user.is_active) return null;
    if (version !== null && version !== user.token_version) return null;
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      via,
      apiKeyId: key?.id ?? null,
      models: key?.models ?? null,
      catalogVersion: key?.catalogVersion ?? null,
    };
  }

  /** An access token for a user signed in another way (single sign-on). */
  signIn(user: UserEntity): Promise<AuthResponse> {
    return this.issue(user);
  }

  private async issue(user: UserEntity): Promise<AuthResponse> {
    const access_token = await this.jwt.signAsync({
      sub: user.id,
      ver: user.tokenVersion,
    } satisfies TokenPayload);
    return {
      access_token,
      token_type: 'Bearer',
      expires_in: this.config.jwtExpiresIn,
      user: toUser(user),
    };
  }
}

const passwordLoginDisabled = () =>
  new ApiError(
    HttpStatus.FORBIDDEN,
    'PASSWORD_LOGIN_DISABLED',
    'Password sign-in is turned off on this server; use single sign-on',
  );
