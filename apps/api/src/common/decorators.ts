import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Role } from '@tally/api-contract';
import type { FastifyRequest as Request } from 'fastify';
import type { AuthUser } from './auth-user';

export const IS_PUBLIC = 'tally:isPublic';
export const ROLES = 'tally:roles';

/** Marks a public operation in the OpenAPI document until `finishOpenApiDocument` turns it into `security: []`. */
export const PUBLIC_OPERATION = 'x-tally-public';

/**
 * The route needs no credentials; its OpenAPI operation says so with an
 * empty `security` list (rather than none, which would mean "not said").
 */
export const Public = () =>
  applyDecorators(
    SetMetadata(IS_PUBLIC, true),
    ApiExtension(PUBLIC_OPERATION, true),
  );

/** The route needs one of these roles (checked by RolesGuard). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

export const ACCESS_TOKEN_ONLY = 'tally:accessTokenOnly';

/** The route needs a login's access token: an API key gets 403 API_KEY_NOT_ALLOWED. */
export const AccessTokenOnly = () => SetMetadata(ACCESS_TOKEN_ONLY, true);

/** The client's address: the socket's, or the one trusted proxies name (TRUST_PROXY). */
export const ClientIp = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string => {
    const ip = ctx.switchToHttp().getRequest<Request>().ip ?? '';
    return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  },
);

/** The authenticated caller, as set by AuthGuard. */
export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser => {
    const req = ctx.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    return req.user as AuthUser;
  },
);
