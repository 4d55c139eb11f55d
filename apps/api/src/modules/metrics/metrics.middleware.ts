import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/**
 * Counts every request once its response has finished (streams included),
 * those refused by a guard (401, 403, 429) or a pipe (400) too. The route is
 * read when the response closes, after routing: `unmatched` for a 404.
 */
@Injectable()
export class MetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.httpDuration.observe({ method: req.method, route }, seconds);
      this.metrics.httpRequests.inc({
        method: req.method,
        route,
        status: String(res.statusCode),
      });
    });
    next();
  }
}
