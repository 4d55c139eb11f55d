import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  ParseUUIDPipe,
} from '@nestjs/common';
import type { Response } from 'express';
import { ApiError } from '../../common/api-error';
import { AppValidationPipe } from '../../common/validation.pipe';
import type { AuthUser } from '../../common/auth-user';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { SettingsService } from '../settings/settings.service';
import { UsageService } from '../usage/usage.service';
import { ChatService } from './chat.service';
import { SendMessageDto, SendMessageQueryDto } from './dto/send-message.dto';
import {
  type RequestWithAdmission,
  SEND_ADMISSION,
  SendAdmission,
} from './send-admission';
import { StreamSlotsService } from './stream-slots.service';

/** The same checks and error shape as the global pipe (create-app.ts): guards run before pipes. */
const inputPipe = new AppValidationPipe();
const idPipe = new ParseUUIDPipe({
  exceptionFactory: () =>
    new ApiError(400, 'VALIDATION_FAILED', 'id must be a UUID'),
});

/** The response closed while the send was being admitted: nobody is left to answer. */
const clientGone = () => new HttpException('Client closed request', 499);

/**
 * Admission of `POST /api/chats/:id/messages`, after AuthGuard and before
 * anything is written: validates the id, the query and the body (400), builds
 * the prompt of a chat the caller owns (404), takes a stream slot (429
 * `TOO_MANY_STREAMS`, nothing charged), then reserves the quota (429
 * `QUOTA_*` from UsageService). Sets the RateLimit headers and leaves a
 * `SendAdmission` on the request for the handler.
 *
 * Whatever it acquired goes back if it fails, or if the response closes
 * before the handler takes over: the slot is released and the reservation
 * settled as not charged.
 */
@Injectable()
export class QuotaGuard implements CanActivate {
  private readonly logger = new Logger('QuotaGuard');

  constructor(
    private readonly chats: ChatService,
    private readonly slots: StreamSlotsService,
    private readonly usage: UsageService,
    private readonly settings: SettingsService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx
      .switchToHttp()
      .getRequest<RequestWithAdmission & { user: AuthUser }>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const admission = new SendAdmission();
    // Registered before the first await, so a client that leaves at any point is noticed.
    res.once('close', () => {
      admission.closed = true;
      if (!admission.taken) void this.giveBack(admission);
    });

    const chatId: string = await idPipe.transform(req.params.id, {
      type: 'param',
      data: 'id',
    });
    const query = (await inputPipe.transform(req.query, {
      type: 'query',
      metatype: SendMessageQueryDto,
    })) as SendMessageQueryDto;
    admission.stream = query.stream !== 'false';
    const body = (await inputPipe.transform(req.body, {
      type: 'body',
      metatype: SendMessageDto,
    })) as SendMessageDto;
    admission.prepared = await this.chats.prepareSend(
      req.user.id,
      chatId,
      body.content,
    );
    if (admission.closed) throw clientGone();

    const max = await this.settings.value('max_concurrent_streams_per_user');
    const slot = await this.slots.acquire(req.user.id, max);
    if (!slot) {
      this.metrics.quotaRejections.inc({ code: 'TOO_MANY_STREAMS' });
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'TOO_MANY_STREAMS',
        `At most ${max} answers can be in progress at once; wait for one to finish`,
        {},
        await this.rateLimitHeaders(req.user.id),
      );
    }
    admission.slot = slot;
    if (admission.closed) {
      await this.giveBack(admission);
      throw clientGone();
    }

    try {
      admission.reservation = await this.usage.reserve(
        req.user.id,
        admission.prepared.promptTokens,
        this.config.ai.maxOutputTokens,
      );
    } catch (err) {
      if (err instanceof ApiError && err.getStatus() === 429) {
        this.metrics.quotaRejections.inc({ code: err.code });
      }
      await this.giveBack(admission);
      throw err;
    }
    if (admission.closed) {
      await this.giveBack(admission);
      throw clientGone();
    }

    for (const [name, value] of Object.entries(
      this.usage.rateLimitHeaders(admission.reservation.quota),
    )) {
      res.setHeader(name, value);
    }
    req[SEND_ADMISSION] = admission;
    return true;
  }

  /** The caller's RateLimit headers, for a refusal that reserved nothing; none if the quota cannot be read. */
  private async rateLimitHeaders(
    userId: string,
  ): Promise<Record<string, string>> {
    try {
      return this.usage.rateLimitHeaders(await this.usage.getQuota(userId));
    } catch {
      return {};
    }
  }

  /** Releases the slot and settles the reservation as not charged; each at most once. */
  private async giveBack(admission: SendAdmission): Promise<void> {
    const { slot, reservation } = admission;
    if (slot) {
      await this.slots
        .release(slot)
        .catch((err: Error) =>
          this.logger.warn(`Could not release a stream slot: ${err.message}`),
        );
    }
    if (reservation && !admission.settled) {
      admission.settled = true;
      await this.usage
        .settle(reservation, {
          promptTokens: 0,
          completionTokens: 0,
          charged: false,
        })
        .catch((err: Error) =>
          this.logger.warn(`Could not settle a reservation: ${err.message}`),
        );
    }
  }
}
