import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  ParseUUIDPipe,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../../common/api-error';
import { type AuthUser, requireModelAllowed } from '../../common/auth-user';
import { AppValidationPipe } from '../../common/validation.pipe';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { AdmissionService, ClientGoneError } from '../usage/admission.service';
import { answerLanguage } from '../ai';
import { UsageService } from '../usage/usage.service';
import {
  ADMITTED_SEND,
  type RequestWithAdmittedSend,
} from './admitted-send.decorator';
import { ChatSendService } from './chat-send.service';
import { SendMessageDto, SendMessageQueryDto } from './dto/send-message.dto';

/** The same checks and error shape as the global pipe (create-app.ts): guards run before pipes. */
const inputPipe = new AppValidationPipe();
const idPipe = new ParseUUIDPipe({
  exceptionFactory: () =>
    new ApiError(400, 'VALIDATION_FAILED', 'id must be a UUID'),
});

/**
 * Admission of `POST /api/chats/:id/messages`, after AuthGuard and before
 * anything is written: validates the id, the query and the body (400),
 * builds the prompt of a chat the caller owns (404), and asks for the
 * admission lease (429 `TOO_MANY_STREAMS` / `QUOTA_*`). Sets the RateLimit
 * headers and hands the lease to the handler. A client that leaves before
 * the answer starts gets everything given back by the lease itself.
 */
@Injectable()
export class QuotaGuard implements CanActivate {
  constructor(
    private readonly chats: ChatSendService,
    private readonly admission: AdmissionService,
    private readonly usage: UsageService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx
      .switchToHttp()
      .getRequest<RequestWithAdmittedSend & { user: AuthUser }>();
    const res = ctx.switchToHttp().getResponse<FastifyReply>();
    // Registered before the first await, so a client that leaves at any point is noticed.
    const gone = new AbortController();
    res.raw.once('close', () => gone.abort());

    const chatId: string = await idPipe.transform(
      (req.params as { id?: string }).id,
      {
        type: 'param',
        data: 'id',
      },
    );
    const query = (await inputPipe.transform(req.query, {
      type: 'query',
      metatype: SendMessageQueryDto,
    })) as SendMessageQueryDto;
    const body = (await inputPipe.transform(req.body, {
      type: 'body',
      metatype: SendMessageDto,
    })) as SendMessageDto;
    const prepared = await this.chats.prepareSend(
      req.user.id,
      chatId,
      body.content,
      body.model,
    );
    // An API key restricted to some models: 403 for the others.
    requireModelAllowed(req.user, prepared.model.id);
    if (gone.signal.aborted) throw new ClientGoneError();

    const lease = await this.admission
      .admit({
        userId: req.user.id,
        user: { email: req.user.email, name: req.user.name },
        model: {
          id: prepared.model.id,
          inputPrice: prepared.model.prices.inputPrice,
          outputPrice: prepared.model.prices.outputPrice,
        },
        apiKeyId: req.user.apiKeyId ?? null,
        promptTokens: prepared.promptTokens,
        // The model's cap and AI_MAX_OUTPUT_TOKENS; the limits may leave less.
        maxOutputTokens: Math.min(
          this.config.ai.maxOutputTokens,
          prepared.model.maxOutputTokens,
        ),
        signal: gone.signal,
        // The user's message is stored by the admission's own statement.
        rider: this.chats.userMessageRider(prepared),
      })
      .catch((err: unknown) => {
        throw withModel(err, prepared.model.id);
      });
    res.headers(this.usage.rateLimitHeaders(lease.quota));
    req[ADMITTED_SEND] = {
      lease,
      prepared,
      stream: query.stream !== 'false',
      language: answerLanguage(req.headers['accept-language']),
      signal: gone.signal,
    };
    return true;
  }
}

/** A quota refusal's `quota` names the model the send was for, as `GET /api/chats/quota?model=` does. */
function withModel(err: unknown, model: string): unknown {
  if (!(err instanceof ApiError) || !err.extra.quota) return err;
  return new ApiError(
    err.getStatus(),
    err.code,
    err.message,
    { ...err.extra, quota: { ...(err.extra.quota as object), model } },
    err.headers,
  );
}
