import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type {
  AuthResponse,
  Role,
  SsoErrorCode,
  SsoStatus,
} from '@tally/api-contract';
import { timingSafeEqual } from 'node:crypto';
import { ApiError, notFound } from '../../common/api-error';
import {
  APP_CONFIG,
  type AppConfig,
  type OidcConfig,
} from '../../config/app-config';
import { AuthService } from '../auth/auth.service';
import { GroupsService } from '../groups/groups.service';
import type { UserEntity } from '../users/user.entity';
import { SsoUsersService } from '../users/sso-users.service';
import { UsersService } from '../users/users.service';
import { OidcClient, type ProviderClaims } from './oidc-client';
import { SsoError } from './sso-error';
import { SsoStore } from './sso-store';

export const CALLBACK_PATH = '/api/auth/sso/callback';

/** Longest group name Tally keeps (user_groups.name); longer names in the claim are skipped. */
const GROUP_NAME_MAX = 100;
/** At most this many groups of one user are taken from the claim. */
const GROUPS_MAX = 500;

/**
 * `return_to` is a path of this app: one leading `/`, not `//` (another
 * host) nor `/\` (which browsers read as `//`), no control characters.
 */
export function isAppPath(value: string): boolean {
  return (
    value.length <= 2048 &&
    /^\/(?![/\\])/.test(value) &&
    ![...value].some((c) => c === '\\' || c <= '\u001f' || c === '\u007f')
  );
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Single sign-on with an OpenID provider (API.md "v3: single sign-on and
 * provisioning"): the trip to the provider and back, the user it names
 * (found, linked or created through SsoUsersService), their groups from the
 * claim (through GroupsService), and the one-time code that hands the
 * login to the web app.
 */
@Injectable()
export class SsoService {
  private readonly log = new Logger('SSO');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly oidc: OidcClient,
    private readonly store: SsoStore,
    private readonly users: UsersService,
    private readonly ssoUsers: SsoUsersService,
    private readonly groups: GroupsService,
    private readonly auth: AuthService,
  ) {}

  status(): SsoStatus {
    return {
      enabled: this.config.sso.oidc !== null,
      label: this.config.sso.label,
      password_login: this.config.sso.passwordLogin,
    };
  }

  /** The provider's address for a new login, and the `state` the browser keeps for its return. */
  async begin(returnTo: string | undefined): Promise<{
    url: string;
    state: string;
  }> {
    const base = this.enabled();
    if (returnTo !== undefined && !isAppPath(returnTo)) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_FAILED',
        'return_to must be a path of this app, such as /chat',
      );
    }
    let started: Awaited<ReturnType<OidcClient['begin']>>;
    try {
      started = await this.oidc.begin(base + CALLBACK_PATH);
    } catch (err) {
      this.log.error(`The provider cannot be reached: ${String(err)}`);
      throw new ApiError(
        HttpStatus.BAD_GATEWAY,
        'SSO_FAILED',
        'The sign-in provider cannot be reached',
      );
    }
    await this.store.saveLogin(started.checks, returnTo ?? null);
    return { url: started.url, state: started.checks.state };
  }

  /**
   * The provider's return (`rawUrl`: the request's path and query): where
   * the browser goes next, the web app with a one-time code or the sign-in
   * page with an error code. `browserState` is the state this browser
   * started with (its cookie): a return started by another browser is refused.
   */
  async finish(browserState: string | null, rawUrl: string): Promise<string> {
    const base = this.enabled();
    try {
      const code = await this.complete(base, browserState, rawUrl);
      return `${base}/sso#${code}`;
    } catch (err) {
      const code: SsoErrorCode =
        err instanceof SsoError ? err.code : 'SSO_FAILED';
      if (err instanceof SsoError)
        this.log.warn(`Single sign-on refused (${code}): ${err.message}`);
      else this.log.error(`Single sign-on failed: ${String(err)}`);
      return `${base}/login?sso_error=${code}`;
    }
  }

  /** The user of a one-time code, signed in; a code works once, for 60 seconds. */
  async exchange(code: string): Promise<AuthResponse> {
    this.enabled();
    const userId = await this.store.takeCode(code);
    const user = userId ? await this.users.findById(userId) : null;
    if (!user || !user.isActive) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'SSO_CODE_INVALID',
        'This sign-in code is unknown, used or expired; sign in again',
      );
    }
    return this.auth.signIn(user);
  }

  /** Cookies only over HTTPS when users open the app over HTTPS. */
  secureCookies(): boolean {
    return this.config.sso.publicUrl?.startsWith('https:') ?? false;
  }

  private enabled(): string {
    return this.provider().publicUrl;
  }

  private provider(): { oidc: OidcConfig; publicUrl: string } {
    const { oidc, publicUrl } = this.config.sso;
    if (!oidc || !publicUrl) throw notFound('Single sign-on');
    return { oidc, publicUrl };
  }

  private async complete(
    base: string,
    browserState: string | null,
    rawUrl: string,
  ): Promise<string> {
    const query = new URL(rawUrl, 'http://callback').search;
    const params = new URLSearchParams(query);
    const state = params.get('state');
    if (!state || !browserState || !same(state, browserState))
      throw new SsoError(
        'SSO_STATE_MISMATCH',
        'the state is not the one this browser started with',
      );
    const login = await this.store.takeLogin(state);
    if (!login)
      throw new SsoError(
        'SSO_STATE_MISMATCH',
        'unknown, used or expired state',
      );
    const error = params.get('error');
    if (error !== null)
      throw new SsoError(
        'SSO_FAILED',
        `the provider answered ${error.slice(0, 100)}`,
      );
    const { oidc } = this.provider();
    const claims = await this.oidc.finish(
      new URL(base + CALLBACK_PATH + query),
      login.checks,
      ['email', 'email_verified', 'name', oidc.groupsClaim],
    );
    const user = await this.signIn(claims);
    const code = await this.store.issueCode(user.id);
    const fragment = new URLSearchParams({ code });
    if (login.returnTo) fragment.set('return_to', login.returnTo);
    return fragment.toString();
  }

  /** The user the claims name, found, linked or created, and brought up to date. */
  private async signIn(claims: ProviderClaims): Promise<UserEntity> {
    const { oidc } = this.provider();
    const email =
      typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)
      throw new SsoError('SSO_FAILED', 'the provider gave no usable email');
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (oidc.allowedDomains.length > 0 && !oidc.allowedDomains.includes(domain))
      throw new SsoError(
        'SSO_DOMAIN_NOT_ALLOWED',
        `the domain ${domain} is not in OIDC_ALLOWED_DOMAINS`,
      );
    const verified =
      claims.email_verified === true || claims.email_verified === 'true';
    const name = nameOf(claims);
    const groups = groupsOf(claims[oidc.groupsClaim]);
    const role: Role = groups.some((g) =>
      oidc.adminGroups.includes(g.toLowerCase()),
    )
      ? 'admin'
      : 'user';

    let user = await this.ssoUsers.findBySsoIdentity(claims.iss, claims.sub);
    if (!user) {
      const existing = await this.users.findByEmail(email);
      if (existing) {
        if (!verified)
          throw new SsoError(
            'SSO_EMAIL_NOT_VERIFIED',
            'an account has this email, and the provider does not say it is verified',
          );
        if (!existing.isActive)
          throw new SsoError(
            'SSO_USER_DEACTIVATED',
            'the account is deactivated',
          );
        if (
          !(await this.ssoUsers.linkSsoIdentity(
            existing.id,
            claims.iss,
            claims.sub,
          ))
        )
          throw new SsoError(
            'SSO_FAILED',
            'the account with this email is linked to another identity',
          );
        user = existing;
      } else {
        user = await this.ssoUsers.createFromSso({
          email,
          name,
          role,
          issuer: claims.iss,
          subject: claims.sub,
        });
        if (!user)
          throw new SsoError('SSO_FAILED', 'the account could not be created');
        this.log.log(
          `Created the user ${user.id} at their first single sign-on`,
        );
      }
    }
    if (!user.isActive)
      throw new SsoError('SSO_USER_DEACTIVATED', 'the account is deactivated');

    const { skipped } = await this.groups.syncExternalMemberships(
      user.id,
      'oidc',
      groups,
    );
    if (skipped.length > 0)
      this.log.warn(
        `Groups of the claim skipped, a Tally group of another source has the name: ${skipped.join(', ')}`,
      );
    const applied = await this.ssoUsers.applySso(user.id, {
      email,
      name,
      role,
    });
    if (applied.kept.includes('role'))
      this.log.warn(
        `User ${user.id} stays admin: the last active admin is never demoted`,
      );
    if (applied.kept.includes('email'))
      this.log.warn(
        `User ${user.id} keeps their email: another user has the provider's one`,
      );
    return applied.user;
  }
}

function nameOf(claims: ProviderClaims): string {
  const given = [claims.given_name, claims.family_name]
    .filter((p): p is string => typeof p === 'string')
    .join(' ');
  const name =
    (typeof claims.name === 'string' && claims.name.trim()) ||
    given.trim() ||
    (typeof claims.preferred_username === 'string'
      ? claims.preferred_username.trim()
      : '');
  return name.slice(0, 100);
}

function groupsOf(value: unknown): string[] {
  const list = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? [value]
      : [];
  const names = list
    .filter((g): g is string => typeof g === 'string')
    .map((g) => g.trim())
    .filter((g) => g !== '' && g.length <= GROUP_NAME_MAX);
  return [...new Set(names)].slice(0, GROUPS_MAX);
}
