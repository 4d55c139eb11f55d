import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Patch,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiGatewayTimeoutResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import {
  type Chat,
  type ChatList,
  type ChatWithMessages,
  LIMITS,
  type Quota,
} from '@tally/api-contract';
import type { FastifyReply as Response } from 'fastify';
import {
  ApiAuth,
  ApiBadInput,
  ApiNotFound,
  ErrorDto,
} from '../../common/api-docs';
import type { AuthUser } from '../../common/auth-user';
import { CurrentUser } from '../../common/decorators';
import { IdParam } from '../../common/id-param';
import {
  type CallerQuota,
  PrefetchedQuota,
  ReadsQuotaWithCaller,
} from '../usage/caller-quota';
import { UsageService } from '../usage/usage.service';
import { ChatAnswerService } from './chat-answer.service';
import { ChatService } from './chat.service';
import {
  ChatDto,
  ChatListDto,
  ChatWithMessagesDto,
  MessageDto,
} from './dto/chat.dto';
import { CreateChatDto } from './dto/create-chat.dto';
import { ListChatsQueryDto } from './dto/list-chats-query.dto';
import { QuotaDto, QuotaQueryDto } from './dto/quota.dto';
import {
  DeltaEventDto,
  DoneEventDto,
  ErrorEventDto,
  SendMessageResponseDto,
} from './dto/send-message-response.dto';
import { SendMessageDto, SendMessageQueryDto } from './dto/send-message.dto';
import { UpdateChatDto } from './dto/update-chat.dto';
import { QuotaGuard } from './quota.guard';
import { Admitted } from './admitted-send.decorator';
import { AnswerResponder } from './answer.responder';
import type { AdmittedSend } from './answer-events';

const RATE_LIMIT_HEADERS = {
  'RateLimit-Policy': {
    description:
      'The daily limits (draft-ietf-httpapi-ratelimit-headers-11), e.g. `"daily-messages";q=100;w=86400, "daily-tokens";q=500000;w=86400`',
    schema: { type: 'string' },
  },
  RateLimit: {
    description:
      'What is left and the seconds until the reset, e.g. `"daily-messages";r=97;t=40213, "daily-tokens";r=498800;t=40213`',
    schema: { type: 'string' },
  },
};

/** One named event of the answer's stream, with the schema of its data. */
function sseEvent(name: string, data: new () => unknown) {
  return {
    type: 'object',
    title: name,
    required: ['event', 'data'],
    properties: {
      event: { type: 'string', enum: [name] },
      data: { $ref: getSchemaPath(data) },
    },
  };
}

const SSE_EXAMPLE = [
  'event: user_message',
  'data: {"id":"…","chat_id":"…","role":"user","content":"Hello","status":"complete","prompt_tokens":null,"completion_tokens":null,"created_at":"…"}',
  '',
  'event: delta',
  'data: {"content":"Hi"}',
  '',
  'event: delta',
  'data: {"content":" there!"}',
  '',
  'event: done',
  'data: {"assistant_message":{…},"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15},"quota":{…}}',
  '',
].join('\n');

@ApiTags('chats')
@ApiAuth()
@ApiBadInput()
@ApiExtraModels(
  SendMessageResponseDto,
  MessageDto,
  DeltaEventDto,
  DoneEventDto,
  ErrorEventDto,
)
@Controller('chats')
export class ChatController {
  constructor(
    private readonly chats: ChatService,
    private readonly answers: ChatAnswerService,
    private readonly responder: AnswerResponder,
    private readonly usage: UsageService,
  ) {}

  @Get()
  @ApiOkResponse({ type: ChatListDto })
  @ApiOperation({
    operationId: 'listChats',
    summary: "The caller's chats, most recently active first, a page at a time",
    description:
      'Pages of `?limit=` chats (1..200, default 50); `next_cursor` passed as `?before=` gives the next page, ' +
      'and is null on the last. Activity is creation, then each message. A chat active while the pages are read ' +
      'moves to the first page and is not repeated further down; no other chat is skipped or repeated. ' +
      'A `before` that is not the `next_cursor` of a page of the caller’s chats is 400.',
  })
  list(
    @CurrentUser() user: AuthUser,
    @Query() q: ListChatsQueryDto,
  ): Promise<ChatList> {
    return this.chats.list(
      user.id,
      q.limit ?? LIMITS.chatPageDefault,
      q.before,
    );
  }

  @Post()
  @ApiCreatedResponse({ type: ChatDto })
  @ApiOperation({ operationId: 'createChat', summary: 'Start a chat' })
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateChatDto,
  ): Promise<Chat> {
    return this.chats.create(user.id, dto.title, dto.model);
  }

  // Declared before the `:id` routes, which would take `quota` for an id.
  @Get('quota')
  @ApiOperation({
    operationId: 'getQuota',
    summary: "The caller's quota: every limit that applies to sends to a model",
    description:
      '`?model=` an enabled model (400 `UNKNOWN_MODEL` otherwise); default: the setting `default_model`.',
  })
  @ApiOkResponse({ type: QuotaDto, headers: RATE_LIMIT_HEADERS })
  @ReadsQuotaWithCaller()
  async quota(
    @CurrentUser() user: AuthUser,
    @Query() q: QuotaQueryDto,
    @Res({ passthrough: true }) res: Response,
    @PrefetchedQuota() read: CallerQuota | undefined,
  ): Promise<Quota> {
    const quota = await this.usage.callerQuota(user, q.model, read);
    res.headers(this.usage.rateLimitHeaders(quota));
    return quota;
  }

  @Get(':id')
  @ApiOkResponse({ type: ChatWithMessagesDto })
  @ApiNotFound('chat')
  @ApiOperation({ operationId: 'getChat', summary: 'A chat with its messages' })
  get(
    @CurrentUser() user: AuthUser,
    @IdParam() id: string,
  ): Promise<ChatWithMessages> {
    return this.chats.get(user.id, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ChatDto })
  @ApiNotFound('chat')
  @ApiOperation({ operationId: 'updateChat', summary: 'Rename a chat' })
  rename(
    @CurrentUser() user: AuthUser,
    @IdParam() id: string,
    @Body() dto: UpdateChatDto,
  ): Promise<Chat> {
    return this.chats.update(user.id, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({
    description:
      'Deleted with its messages. Usage already counted stays counted.',
  })
  @ApiNotFound('chat')
  @ApiOperation({
    operationId: 'deleteChat',
    summary: 'Delete a chat and its messages',
  })
  remove(@CurrentUser() user: AuthUser, @IdParam() id: string): Promise<void> {
    return this.chats.remove(user.id, id);
  }

  @Post(':id/messages')
  @HttpCode(200)
  @UseGuards(QuotaGuard)
  @ApiParam({ name: 'id', format: 'uuid', description: 'The chat' })
  @ApiHeader({
    name: 'Accept-Language',
    required: false,
    description:
      'The language the built-in local model answers in: `ru` or `en` (the default); other models are not told',
  })
  @ApiOperation({
    operationId: 'sendMessage',
    summary: 'Send a message and stream the answer',
    description:
      'Sends the message with the chat’s history (as much as fits the context budget) to the AI provider. ' +
      'The quota is checked and reserved first; errors before the first byte keep their HTTP status and a JSON body. ' +
      'By default the answer is `text/event-stream` with the events `user_message` (the saved Message), ' +
      '`delta` (`{content}`, many), then `done` (`{assistant_message, usage, quota}`) or `error` (`{code, message}`: ' +
      'the provider failed after the stream began; the partial answer is saved with status `error`). ' +
      'If the client goes away mid-stream the answer is saved as `cancelled` and the tokens used are charged. ' +
      'With `?stream=false` the answer is JSON once complete.',
  })
  @ApiBody({ type: SendMessageDto })
  @ApiProduces('text/event-stream', 'application/json')
  @ApiOkResponse({
    description:
      'The answer: server-sent events (default) or, with `?stream=false`, JSON',
    headers: RATE_LIMIT_HEADERS,
    content: {
      'text/event-stream': {
        schema: {
          description:
            'Server-sent events, one after another; each has a name (`event:`) and JSON `data:` of the type given here, e.g.\n\n```\n' +
            SSE_EXAMPLE +
            '```',
          oneOf: [
            sseEvent('user_message', MessageDto),
            sseEvent('delta', DeltaEventDto),
            sseEvent('done', DoneEventDto),
            sseEvent('error', ErrorEventDto),
          ],
        },
      },
      'application/json': {
        schema: { $ref: getSchemaPath(SendMessageResponseDto) },
      },
    },
  })
  @ApiNotFound('chat')
  @ApiTooManyRequestsResponse({
    type: ErrorDto,
    description:
      '`QUOTA_MESSAGES_EXCEEDED` or `QUOTA_TOKENS_EXCEEDED` (with `quota`, `Retry-After` and the RateLimit headers), ' +
      'or `TOO_MANY_STREAMS` (the user already has `max_concurrent_streams_per_user` answers in progress; nothing charged; ' +
      'the RateLimit headers, no `Retry-After`: a slot frees when one of those answers ends)',
    headers: {
      'Retry-After': {
        description:
          'On `QUOTA_*`: seconds until `resets_at`, the start of the next quota day, rounded up',
        schema: { type: 'integer' },
      },
      ...RATE_LIMIT_HEADERS,
    },
  })
  @ApiBadGatewayResponse({
    type: ErrorDto,
    description:
      '`AI_PROVIDER_ERROR`: the provider failed before any text (not charged)',
  })
  @ApiGatewayTimeoutResponse({
    type: ErrorDto,
    description:
      '`AI_PROVIDER_TIMEOUT`: the provider did not answer within `AI_TIMEOUT_MS` (not charged)',
  })
  send(
    @Admitted() send: AdmittedSend,
    // Validated by QuotaGuard, before anything is reserved; declared for the pipe and the OpenAPI document.
    @Query() _query: SendMessageQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    return this.responder.write(res, this.answers.answer(send), send.stream);
  }
}
