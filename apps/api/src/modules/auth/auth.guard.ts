import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@tally/api-contract';
import type { Request } from 'express';
import { ApiError } from '../../common/api-error';
import type { AuthUser } from '../../common/auth-user';
import { ACCESS_TOKEN_ONLY, IS_PUBLIC, ROLES } from '../../common/decorators';
import { AuthService } from './auth.service';

/** Global: every route needs a valid bearer token (access token or API key) unless @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
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
    const user = await this.auth.authenticate(m[1]);
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
    return true;
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
