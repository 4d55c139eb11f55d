import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Quota } from '@tally/api-contract';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../common/api-error';
import {
  type AuthUser,
  mayUseModel,
  requireModelAllowed,
} from '../../common/auth-user';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { type ModelForSend, ModelsService } from '../models/models.service';
import { AdmissionService, ClientGoneError } from '../usage/admission.service';
import type { Lease } from '../usage/lease';
import { UsageService } from '../usage/usage.service';
import {
  badRequest,
  type CompletionRequest,
  parseCompletionRequest,
} from './completion-request';
import { RequestLogService } from './request-log.service';

/** OpenAI's model object. */
export interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: 'tally';
}

export interface OpenAiModelList {
  object: 'list';
  data: OpenAiModel[];
}

/** A completion admitted: its lease, what was asked and of which model, until the answer settles it. */
export interface AdmittedCompletion {
  /** `chatcmpl-…`, the id of the answer. */
  id: string;
  /** Unix seconds. */
  created: number;
  startedAt: number;
  user: AuthUser;
  request: CompletionRequest;
  model: ModelForSend;
  lease: Lease;
  /** Fires when the client leaves. */
  signal: AbortSignal;
}

const modelNotFound = (id: string) =>
  new ApiError(
    HttpStatus.NOT_FOUND,
    'model_not_found',
    `The model "${id}" does not exist or you do not have access to it`,
    { param: 'model' },
  );

/**
 * The OpenAI-compatible endpoint's side of things: the models a caller may
 * use, and the admission of a completion (the chat send's: one message, the
 * prompt estimate of everything sent upstream, the output cap under every
 * limit). A request refused on its way in is logged here; an admitted one
 * is logged when its answer settles.
 */
@Injectable()
export class GatewayService {
  constructor(
    private readonly models: ModelsService,
    private readonly admission: AdmissionService,
    private readonly usage: UsageService,
    private readonly log: RequestLogService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `GET /v1/models`: the enabled models the caller may use, and the caller's quota for the headers. */
  async listModels(
    user: AuthUser,
  ): Promise<{ body: OpenAiModelList; quota: Quota }> {
    const [{ items }, quota] = await Promise.all([
      this.models.listEnabled(),
      this.usage.getQuota(user.id),
    ]);
    return {
      body: {
        object: 'list',
        data: items
          .filter((m) => mayUseModel(user, m.id))
          .map((m) => ({
            id: m.id,
            object: 'model',
            created: Math.floor(Date.parse(m.created_at) / 1000),
            owned_by: 'tally',
          })),
      },
      quota,
    };
  }

  /** `GET /v1/models/:id`: 404 `model_not_found` unless listed. */
  async getModel(
    user: AuthUser,
    id: string,
  ): Promise<{ body: OpenAiModel; quota: Quota }> {
    const { body, quota } = await this.listModels(user);
    const model = body.data.find((m) => m.id === id);
    if (!model) throw await this.withQuota(modelNotFound(id), user.id);
    return { body: model, quota };
  }

  /**
   * Admits a completion, or throws (400, 403, 404, 429, 503; the error
   * carries the caller's quota for the headers). A refused request is
   * logged as `refused` (`cancelled` when the client left).
   */
  async admit(
    user: AuthUser,
    body: unknown,
    signal: AbortSignal,
  ): Promise<AdmittedCompletion> {
    const startedAt = Date.now();
    const asked = (body as { model?: unknown } | null)?.model;
    let modelId = typeof asked === 'string' && asked !== '' ? asked : null;
    try {
      const request = parseCompletionRequest(body);
      const model = await this.models
        .forSend(request.model, null, user.catalogVersion)
        .catch((err: unknown) => {
          throw err instanceof ApiError && err.code === 'UNKNOWN_MODEL'
            ? modelNotFound(request.model)
            : err;
        });
      modelId = model.id;
      requireModelAllowed(user, model.id);
      for (const param of ['tools', 'functions'] as const) {
        const asked =
          param === 'tools' ? request.tools : request.fields.functions;
        if (
          asked !== undefined &&
          asked !== null &&
          !model.provider.supportsTools
        )
          throw badRequest(
            param,
            `The model "${model.id}" answers with text only: ${param} are not supported`,
          );
      }
      if (signal.aborted) throw new ClientGoneError();
      const lease = await this.admission.admit({
        userId: user.id,
        user: { email: user.email, name: user.name },
        model: {
          id: model.id,
          inputPrice: model.prices.inputPrice,
          outputPrice: model.prices.outputPrice,
        },
        apiKeyId: user.apiKeyId,
        promptTokens: request.promptTokens,
        // The chat send's caps, and the request's own when smaller.
        maxOutputTokens: Math.min(
          this.config.ai.maxOutputTokens,
          model.maxOutputTokens,
          request.maxTokens ?? Number.MAX_SAFE_INTEGER,
        ),
        signal,
      });
      return {
        id: `chatcmpl-${randomUUID().replace(/-/g, '')}`,
        created: Math.floor(startedAt / 1000),
        startedAt,
        user,
        request,
        model,
        lease,
        signal,
      };
    } catch (err) {
      const gone = err instanceof ClientGoneError;
      await this.log
        .insert({
          userId: user.id,
          apiKeyId: user.apiKeyId,
          model: modelId,
          status: gone ? 'cancelled' : 'refused',
          code: gone ? null : codeOf(err),
          promptTokens: null,
          completionTokens: null,
          cost: null,
          startedAt,
          durationMs: Date.now() - startedAt,
        })
        .catch(() => undefined);
      throw gone ? err : await this.withQuota(err, user.id);
    }
  }

  /** The error with the caller's quota in it (for the `x-ratelimit-*` headers), unless it has one. */
  private async withQuota(err: unknown, userId: string): Promise<unknown> {
    if (!(err instanceof ApiError) || err.extra.quota) return err;
    const quota = await this.usage.getQuota(userId).catch(() => null);
    if (!quota) return err;
    return new ApiError(
      err.getStatus(),
      err.code,
      err.message,
      { ...err.extra, quota },
      err.headers,
    );
  }
}

function codeOf(err: unknown): string | null {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  const status = (err as { getStatus?: () => number })?.getStatus?.();
  return status ? `HTTP_${status}` : 'INTERNAL_ERROR';
}
