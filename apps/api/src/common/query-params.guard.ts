import {
  BadRequestException,
  type CanActivate,
  type ExecutionContext,
  Injectable,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';

/** Per handler: whether it binds the query string (`@Query()`), read from its metadata once. */
const takesQueryOf = new WeakMap<object, boolean>();

/** Whether the handler binds the query string (`@Query()`): then its DTO is validated by the pipe. */
function takesQuery(ctx: ExecutionContext): boolean {
  const handler = ctx.getHandler();
  let takes = takesQueryOf.get(handler);
  if (takes === undefined) {
    const args: Record<string, unknown> =
      Reflect.getMetadata(ROUTE_ARGS_METADATA, ctx.getClass(), handler.name) ??
      {};
    takes = Object.keys(args).some(
      (key) => Number(key.split(':')[0]) === RouteParamtypes.QUERY,
    );
    takesQueryOf.set(handler, takes);
  }
  return takes;
}

/**
 * A route that declares no query parameters refuses any (400), as unknown
 * body fields are refused: a misspelt `?page_sise=` is an error, never
 * silently ignored. Routes with a query DTO are checked by the validation pipe.
 *
 * A guard, registered after AuthGuard and RolesGuard (auth.module.ts), so a
 * caller who may not call the route still hears 401 or 403 first. It was an
 * interceptor: any global interceptor puts every request of the API through
 * Nest's RxJS interceptor chain (two `AsyncResource.bind`, deferred
 * observables, `lastValueFrom`), about a quarter of the CPU of a quota read.
 * The one difference: a route's own guards (`@UseGuards`, only `/metrics`
 * without a query DTO) now run after this check, not before it.
 */
@Injectable()
export class QueryParamsGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http' || takesQuery(ctx)) return true;
    const query = ctx.switchToHttp().getRequest<Request>().query;
    const names = query ? Object.keys(query) : [];
    if (names.length > 0) {
      throw new BadRequestException(
        names.map((name) => `property ${name} should not exist`),
      );
    }
    return true;
  }
}
