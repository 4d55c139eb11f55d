import type {
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import type { MetricsService } from './metrics.service';

/**
 * An `onRequest` hook (create-app.ts) that counts every request once its
 * response has closed (streams included), those refused by a guard (401,
 * 403, 429) or a pipe (400) too: by its route's pattern, `unmatched` for a
 * request no route matched (404).
 */
export function metricsHook(metrics: MetricsService) {
  return (
    req: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void => {
    const started = process.hrtime.bigint();
    reply.raw.once('close', () => {
      const route = req.is404
        ? 'unmatched'
        : (req.routeOptions.url ?? 'unmatched');
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
      metrics.httpRequests.inc({
        method: req.method,
        route,
        status: String(reply.raw.statusCode),
      });
    });
    done();
  };
}
