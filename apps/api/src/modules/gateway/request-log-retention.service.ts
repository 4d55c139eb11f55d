import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { RequestLogService } from './request-log.service';

/** How often a process prunes the request log, after once at start. */
const EVERY_MS = 60 * 60 * 1000;

/**
 * Keeps the request log to `REQUEST_LOG_RETENTION_DAYS`: every process
 * prunes it at start and then hourly. Processes that prune at the same
 * time share the rows instead of waiting on each other (see
 * `RequestLogService.prune`), so any number of them may run this.
 */
@Injectable()
export class RequestLogRetention
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('RequestLog');
  private timer: NodeJS.Timeout | null = null;
  /** The pruning under way (or last queued). */
  private running: Promise<number> | null = null;
  private stopped = false;
  private lastWarning: string | null = null;

  constructor(
    private readonly log: RequestLogService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), EVERY_MS);
    this.timer.unref();
    this.tick();
  }

  /** Stops pruning after the batch under way. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * Deletes the rows older than the retention now, after the pruning under
   * way if any; returns how many this call deleted.
   */
  prune(): Promise<number> {
    const run = (this.running ?? Promise.resolve(0))
      .catch(() => 0)
      .then(() => this.pruneOnce());
    this.running = run;
    void run
      .finally(() => {
        if (this.running === run) this.running = null;
      })
      .catch(() => undefined);
    return run;
  }

  private async pruneOnce(): Promise<number> {
    const days = this.config.requestLogRetentionDays;
    const n = await this.log.prune(days, undefined, () => this.stopped);
    this.lastWarning = null;
    if (n > 0)
      this.logger.log(
        `Pruned ${n} request log row(s) older than ${days} day(s)`,
      );
    return n;
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    this.prune().catch((err: Error) => {
      // Once per kind of failure (a database outage would say it every hour).
      if (err.message === this.lastWarning) return;
      this.lastWarning = err.message;
      this.logger.warn(`Could not prune the request log: ${err.message}`);
    });
  }
}
