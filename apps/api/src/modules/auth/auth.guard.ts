import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@tally/api-contract';
import type { FastifyRequest as Request } from 'fastify';
import { ApiError } from '../../common/api-error';
import type { AuthUser } from '../../common/auth-user';
import { ACCESS_TOKEN_ONLY, IS_PUBLIC, ROLES } from '../../common/decorators';
import {
  type CallerQuota,
  keepCallerQuota,
  READS_QUOTA_WITH_CALLER,
} from '../usage/caller-quota';
import { UsageService } from '../usage/usage.service';
import type { AuthRow } from '../users/users.service';
import { AuthService } from './auth.service';

/**
 * Global: every route needs a valid bearer token (access token or API key)
 * unless @Public(). On a route marked @ReadsQuotaWithCaller() with an access
 * token, the caller's row comes with their quota, in one statement (the
 * same checks of the row; the quota is left on the request).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly usage: UsageService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
        ctx.getHandler(),
        ctx.getClass(),
      ])
    )
      return true;
    const req = ctx.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m)
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'UNAUTHORIZED',
        'Missing bearer token',
      );
    let read: CallerQuota | undefined;
    const user = await this.auth.authenticate(
      m[1],
      this.quotaReader(ctx, req, (quota) => (read = quota)),
    );
    if (!user)
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'UNAUTHORIZED',
        'Invalid or expired credentials',
      );
    if (
      user.via === 'api_key' &&
      this.reflector.getAllAndOverride<boolean>(ACCESS_TOKEN_ONLY, [
        ctx.getHandler(),
        ctx.getClass(),
      ])
    ) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'API_KEY_NOT_ALLOWED',
        'API keys are managed with a login, not with an API key',
      );
    }
    req.user = user;
    if (read) keepCallerQuota(req, read);
    return true;
  }

  /**
   * On a route marked @ReadsQuotaWithCaller(): the statement that reads the
   * caller's row with the quota of `?model=` (when it is one string or
   * absent; otherwise the validation pipe refuses it, after this guard).
   */
  private quotaReader(
    ctx: ExecutionContext,
    req: Request,
    found: (quota: CallerQuota | undefined) => void,
  ): ((id: string) => Promise<AuthRow | null>) | undefined {
    if (!this.reflector.get<boolean>(READS_QUOTA_WITH_CALLER, ctx.getHandler()))
      return undefined;
    const given: unknown = req.query?.['model'];
    const requested = typeof given === 'string' ? given : undefined;
    if (given !== undefined && requested === undefined) return undefined;
    return async (id) => {
      const both = await this.usage.withUser(id, requested);
      found(both?.quota);
      return both?.user ?? null;
    };
  }
}

/** Global, after AuthGuard: routes marked @Roles(...) need one of those roles. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (!roles || roles.length === 0) return true;
    const user = ctx.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user || !roles.includes(user.role)) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'FORBIDDEN',
        'You are not allowed to do this',
      );
    }
    return true;
  }
}
