import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../common/api-error';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `/metrics` with `METRICS_TOKEN` set: only `Authorization: Bearer <METRICS_TOKEN>`
 * may scrape (compared in constant time); anything else is 401. Without the
 * variable the endpoint is open, as before.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = config.metricsToken ? digest(config.metricsToken) : null;
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header: string =
      ctx.switchToHttp().getRequest().headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m && timingSafeEqual(digest(m[1]), this.expected)) return true;
    throw new ApiError(
      HttpStatus.UNAUTHORIZED,
      'UNAUTHORIZED',
      'Metrics need Authorization: Bearer <METRICS_TOKEN>',
      {},
      { 'WWW-Authenticate': 'Bearer realm="metrics"' },
    );
  }
}
