import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import type {
  HeadersObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** OpenAI's error body, as every `/v1` error is answered. */
export const OPENAI_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: {
          type: 'string',
          example: 'insufficient_quota',
          description:
            '`invalid_request_error`, `authentication_error`, `permission_error`, `not_found_error`, ' +
            '`insufficient_quota`, `rate_limit_error` or `api_error`',
        },
        param: { type: 'string', nullable: true },
        code: {
          type: 'string',
          nullable: true,
          example: 'QUOTA_MESSAGES_EXCEEDED',
        },
      },
    },
  },
};

const rateLimitHeader = (description: string, type = 'string') => ({
  description,
  schema: { type },
});

/** On every answer of a caller whose quota is known. */
export const OPENAI_RATE_LIMIT_HEADERS: HeadersObject = {
  RateLimit: rateLimitHeader(
    'Remaining quota (draft-ietf-httpapi-ratelimit-headers)',
  ),
  'RateLimit-Policy': rateLimitHeader('The daily limits'),
  'x-ratelimit-limit-requests': rateLimitHeader(
    'Daily message limit',
    'integer',
  ),
  'x-ratelimit-remaining-requests': rateLimitHeader(
    'Messages left today',
    'integer',
  ),
  'x-ratelimit-reset-requests': rateLimitHeader(
    'Time until the day resets, e.g. `6h0m12s`',
  ),
  'x-ratelimit-limit-tokens': rateLimitHeader('Daily token limit', 'integer'),
  'x-ratelimit-remaining-tokens': rateLimitHeader(
    'Tokens left today',
    'integer',
  ),
  'x-ratelimit-reset-tokens': rateLimitHeader('Time until the day resets'),
};

const error = (status: number, description: string, headers?: HeadersObject) =>
  ApiResponse({
    status,
    description,
    content: { 'application/json': { schema: OPENAI_ERROR_SCHEMA } },
    ...(headers ? { headers } : {}),
  });

/** The errors every `/v1` route may answer, in OpenAI's shape. */
export const ApiOpenAiErrors = () =>
  applyDecorators(
    ApiBearerAuth(),
    error(
      400,
      '`invalid_request_error`: a bad body or parameter (`param` names it)',
    ),
    error(401, '`invalid_api_key`: no, bad or expired API key or access token'),
    error(503, 'The database is unreachable'),
  );

export const MODEL_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['id', 'object', 'created', 'owned_by'],
  properties: {
    id: { type: 'string', example: 'local' },
    object: { type: 'string', enum: ['model'] },
    created: { type: 'integer', description: 'Unix seconds' },
    owned_by: { type: 'string', enum: ['tally'] },
  },
};

export const COMPLETION_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['model', 'messages'],
  additionalProperties: true,
  description:
    "OpenAI's Chat Completions request. Fields Tally does not know are passed to the provider unchanged.",
  properties: {
    model: { type: 'string', example: 'local' },
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role'],
        additionalProperties: true,
        properties: {
          role: {
            type: 'string',
            enum: ['system', 'developer', 'user', 'assistant', 'tool'],
          },
          content: {
            description:
              'A string or text parts; may be null (or absent) on an assistant message with `tool_calls`',
            oneOf: [
              { type: 'string' },
              {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    type: { type: 'string', enum: ['text'] },
                    text: { type: 'string' },
                  },
                },
              },
            ],
          },
          tool_calls: { type: 'array', items: { type: 'object' } },
          tool_call_id: { type: 'string' },
        },
      },
    },
    stream: { type: 'boolean' },
    stream_options: {
      type: 'object',
      properties: { include_usage: { type: 'boolean' } },
    },
    max_tokens: { type: 'integer', minimum: 1 },
    max_completion_tokens: { type: 'integer', minimum: 1 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    top_p: { type: 'number', minimum: 0, maximum: 1 },
    n: { type: 'integer', enum: [1] },
    stop: {
      oneOf: [
        { type: 'string' },
        { type: 'array', items: { type: 'string' }, maxItems: 4 },
      ],
    },
    seed: { type: 'integer' },
    user: { type: 'string' },
    tools: { type: 'array', items: { type: 'object' } },
    tool_choice: { oneOf: [{ type: 'string' }, { type: 'object' }] },
    response_format: { type: 'object' },
  },
};

export const COMPLETION_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    "OpenAI's `chat.completion` (or, streamed, `chat.completion.chunk` server-sent events ending in `data: [DONE]`)",
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['chat.completion'] },
    created: { type: 'integer' },
    model: { type: 'string' },
    choices: { type: 'array', items: { type: 'object' } },
    usage: {
      type: 'object',
      properties: {
        prompt_tokens: { type: 'integer' },
        completion_tokens: { type: 'integer' },
        total_tokens: { type: 'integer' },
      },
    },
  },
};

export { error as openAiErrorResponse };
