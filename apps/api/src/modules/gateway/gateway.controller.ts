import {
  All,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import {
  ApiBody,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply as Response, FastifyRequest } from 'fastify';
import { ApiError } from '../../common/api-error';
import type { AuthUser } from '../../common/auth-user';
import { CurrentUser } from '../../common/decorators';
import { Clock } from '../usage/clock';
import { CompletionService } from './completion.service';
import {
  ApiOpenAiErrors,
  COMPLETION_REQUEST_SCHEMA,
  COMPLETION_SCHEMA,
  MODEL_SCHEMA,
  OPENAI_RATE_LIMIT_HEADERS,
  openAiErrorResponse,
} from './gateway.docs';
import { GatewayService } from './gateway.service';
import { gatewayRateLimitHeaders } from './openai-headers';
import { OpenAiErrorFilter } from './openai-error.filter';
import { OpenAiResponder } from './openai.responder';
import { pathOf } from '../../common/http/paths';

/**
 * The OpenAI-compatible endpoint at `/v1` (outside `/api`): OpenAI's
 * shapes in and out, an API key or an access token as the OpenAI key, and
 * every completion under the chat send's limits and accounting.
 */
@ApiTags('openai')
@ApiOpenAiErrors()
@UseFilters(OpenAiErrorFilter)
@Controller('v1')
export class GatewayController {
  constructor(
    private readonly gateway: GatewayService,
    private readonly completions: CompletionService,
    private readonly responder: OpenAiResponder,
    private readonly clock: Clock,
  ) {}

  @Get('models')
  @ApiOkResponse({
    description: '`{object: "list", data: Model[]}`',
    headers: OPENAI_RATE_LIMIT_HEADERS,
    schema: {
      type: 'object',
      properties: {
        object: { type: 'string', enum: ['list'] },
        data: { type: 'array', items: MODEL_SCHEMA },
      },
    },
  })
  @ApiOperation({
    operationId: 'openAiListModels',
    summary: 'The enabled models the caller may use (OpenAI shape)',
  })
  async models(
    @CurrentUser() user: AuthUser,
    @Res() res: Response,
  ): Promise<void> {
    const { body, quota } = await this.gateway.listModels(user);
    this.responder.json(res, body, this.headers(quota));
  }

  @Get('models/:id')
  @ApiOkResponse({ schema: MODEL_SCHEMA, headers: OPENAI_RATE_LIMIT_HEADERS })
  @openAiErrorResponse(404, '`model_not_found`')
  @ApiOperation({
    operationId: 'openAiGetModel',
    summary: 'One model the caller may use (OpenAI shape)',
  })
  async model(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Res() res: Response,
  ): Promise<void> {
    const { body, quota } = await this.gateway.getModel(user, id);
    this.responder.json(res, body, this.headers(quota));
  }

  @Post('chat/completions')
  @HttpCode(200)
  @ApiBody({ schema: COMPLETION_REQUEST_SCHEMA })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({
    description:
      'A `chat.completion`, or with `stream: true` `chat.completion.chunk` events ending in `data: [DONE]` ' +
      '(the usage chunk only with `stream_options.include_usage`)',
    headers: OPENAI_RATE_LIMIT_HEADERS,
    schema: COMPLETION_SCHEMA,
  })
  @openAiErrorResponse(
    403,
    '`MODEL_NOT_ALLOWED`: the API key may not use this model',
  )
  @openAiErrorResponse(404, '`model_not_found`: no enabled model with this id')
  @openAiErrorResponse(
    429,
    '`insufficient_quota` with `code` `QUOTA_MESSAGES_EXCEEDED`, `QUOTA_TOKENS_EXCEEDED` or `QUOTA_COST_EXCEEDED` ' +
      '(`Retry-After`, `x-should-retry: false`), or `rate_limit_error` `TOO_MANY_STREAMS`',
    OPENAI_RATE_LIMIT_HEADERS,
  )
  @openAiErrorResponse(
    502,
    '`AI_PROVIDER_ERROR`: the provider failed before any text (not charged)',
  )
  @openAiErrorResponse(
    504,
    '`AI_PROVIDER_TIMEOUT`: the provider did not answer in time (not charged)',
  )
  @ApiOperation({
    operationId: 'openAiChatCompletion',
    summary: 'Create a chat completion, streamed or not (OpenAI shape)',
  })
  async complete(
    @CurrentUser() user: AuthUser,
    @Body() body: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const gone = new AbortController();
    // Closed before the whole answer was sent: the client left. (Once it
    // was sent, nothing is left to stop.)
    res.raw.once('close', () => {
      if (!res.raw.writableFinished) gone.abort();
    });
    if (res.raw.destroyed) gone.abort();
    const admitted = await this.gateway.admit(user, body, gone.signal);
    res.headers(this.headers(admitted.lease.quota));
    await this.responder.completion(
      res,
      admitted,
      this.completions.answer(admitted),
    );
  }

  /** Any other path under /v1: 404 in OpenAI's shape, as OpenAI answers it. */
  @All('*')
  @ApiExcludeEndpoint()
  unknown(@Req() req: FastifyRequest): never {
    throw new ApiError(
      404,
      'unknown_url',
      `Unknown request URL: ${req.method} ${pathOf(req.url)}`,
    );
  }

  private headers(quota: Parameters<typeof gatewayRateLimitHeaders>[0]) {
    return gatewayRateLimitHeaders(quota, this.clock.now());
  }
}
