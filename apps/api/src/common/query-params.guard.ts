import {
  BadRequestException,
  type CanActivate,
  type ExecutionContext,
  Injectable,
} from '@nestjs/common';
import { GUARDS_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest as Request } from 'fastify';

/** Per handler: whether the global check leaves it alone, read from its metadata once. */
const leftAloneOf = new WeakMap<object, boolean>();

/**
 * Whether the global check leaves the handler alone: it binds the query
 * string (`@Query()`), so its DTO is validated by the pipe, or it refuses a
 * query itself after its own guards (`@UseGuards(…, NoQueryParams)`).
 */
function leftAlone(ctx: ExecutionContext): boolean {
  const handler = ctx.getHandler();
  let skip = leftAloneOf.get(handler);
  if (skip === undefined) {
    const args: Record<string, unknown> =
      Reflect.getMetadata(ROUTE_ARGS_METADATA, ctx.getClass(), handler.name) ??
      {};
    const own: unknown[] = Reflect.getMetadata(GUARDS_METADATA, handler) ?? [];
    skip =
      own.includes(NoQueryParams) ||
      Object.keys(args).some(
        (key) => Number(key.split(':')[0]) === RouteParamtypes.QUERY,
      );
    leftAloneOf.set(handler, skip);
  }
  return skip;
}

/** 400 when the request has any query parameter. */
function refuseQuery(ctx: ExecutionContext): true {
  const query = ctx.switchToHttp().getRequest<Request>().query;
  const names = query ? Object.keys(query) : [];
  if (names.length > 0) {
    throw new BadRequestException(
      names.map((name) => `property ${name} should not exist`),
    );
  }
  return true;
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
 * A route's own guards run after the global ones, so a route with guards of
 * its own (only `/metrics`) lists NoQueryParams after them instead.
 */
@Injectable()
export class QueryParamsGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    return ctx.getType() !== 'http' || leftAlone(ctx) || refuseQuery(ctx);
  }
}

/** The same refusal, for a route's own `@UseGuards(…, NoQueryParams)`, after its other guards. */
@Injectable()
export class NoQueryParams implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    return ctx.getType() !== 'http' || refuseQuery(ctx);
  }
}
