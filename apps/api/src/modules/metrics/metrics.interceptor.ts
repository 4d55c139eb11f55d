import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { MetricsService } from './metrics.service';

/** Counts every routed request once its response has finished (streams included). */
@Injectable()
export class MetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const route = (req.route?.path as string | undefined) ?? 'unmatched';
    const end = this.metrics.httpDuration.startTimer({
      method: req.method,
      route,
    });
    res.once('close', () => {
      end();
      this.metrics.httpRequests.inc({
        method: req.method,
        route,
        status: String(res.statusCode),
      });
    });
    return next.handle();
  }
}
