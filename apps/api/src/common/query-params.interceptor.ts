import {
  BadRequestException,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

/** Whether the handler binds the query string (`@Query()`): then its DTO is validated by the pipe. */
function takesQuery(ctx: ExecutionContext): boolean {
  const args: Record<string, unknown> =
    Reflect.getMetadata(
      ROUTE_ARGS_METADATA,
      ctx.getClass(),
      ctx.getHandler().name,
    ) ?? {};
  return Object.keys(args).some(
    (key) => Number(key.split(':')[0]) === RouteParamtypes.QUERY,
  );
}

/**
 * A route that declares no query parameters refuses any (400), as unknown
 * body fields are refused: a misspelt `?page_sise=` is an error, never
 * silently ignored. Routes with a query DTO are checked by the validation pipe.
 */
@Injectable()
export class QueryParamsInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() === 'http' && !takesQuery(ctx)) {
      const names = Object.keys(
        ctx.switchToHttp().getRequest<Request>().query ?? {},
      );
      if (names.length > 0) {
        throw new BadRequestException(
          names.map((name) => `property ${name} should not exist`),
        );
      }
    }
    return next.handle();
  }
}
