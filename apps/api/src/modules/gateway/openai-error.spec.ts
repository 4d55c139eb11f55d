import { HttpStatus } from '@nestjs/common';
import type { Quota } from '@tally/api-contract';
import { ApiError } from '../../common/api-error';
import { AiProviderError } from '../ai';
import { openAiError } from './openai-error';
import { duration } from './openai-headers';

const NOW = Date.parse('2026-11-28T12:49:47.000Z');
const QUOTA: Quota = {
  messages: { used: 100, limit: 100, remaining: 0 },
  tokens: { used: 1200, limit: 500000, remaining: 498800 },
  resets_at: '2026-11-29T00:00:00.000Z',
  timezone: 'UTC',
};

describe("the gateway's errors in OpenAI's shape", () => {
  it('a quota refusal: insufficient_quota with the code, no retry, and the x-ratelimit headers', () => {
    const { status, body, headers } = openAiError(
      new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'QUOTA_MESSAGES_EXCEEDED',
        'Daily message limit reached (100)',
        { quota: QUOTA },
        { 'Retry-After': '40213' },
      ),
      NOW,
    );
    expect(status).toBe(429);
    expect(body).toEqual({
      error: {
        message: 'Daily message limit reached (100)',
        type: 'insufficient_quota',
        param: null,
        code: 'QUOTA_MESSAGES_EXCEEDED',
      },
    });
    expect(headers).toMatchObject({
      'Retry-After': '40213',
      'x-should-retry': 'false',
      'x-ratelimit-limit-requests': '100',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '11h10m13s',
      'x-ratelimit-limit-tokens': '500000',
      'x-ratelimit-remaining-tokens': '498800',
    });
    expect(headers.RateLimit).toContain('"daily-messages";r=0;t=40213');
  });

  it('too many answers at once may be retried', () => {
    const { body, headers } = openAiError(
      new ApiError(429, 'TOO_MANY_STREAMS', 'At most 3'),
      NOW,
    );
    expect(body.error.type).toBe('rate_limit_error');
    expect(headers['x-should-retry']).toBeUndefined();
  });

  it.each([
    [
      new ApiError(401, 'UNAUTHORIZED', 'bad'),
      401,
      'authentication_error',
      'invalid_api_key',
    ],
    [
      new ApiError(403, 'MODEL_NOT_ALLOWED', 'no'),
      403,
      'permission_error',
      'MODEL_NOT_ALLOWED',
    ],
    [
      new ApiError(404, 'model_not_found', 'none'),
      404,
      'not_found_error',
      'model_not_found',
    ],
    [
      new ApiError(400, 'MALFORMED_JSON', 'bad json'),
      400,
      'invalid_request_error',
      'MALFORMED_JSON',
    ],
    [
      new AiProviderError('at 10.0.0.1 failed', 503, {
        publicMessage: 'The AI model "m" failed',
      }),
      502,
      'api_error',
      'AI_PROVIDER_ERROR',
    ],
    [new Error('boom'), 500, 'api_error', 'INTERNAL_ERROR'],
  ])('%s → %i %s %s', (err, status, type, code) => {
    const answer = openAiError(err, NOW);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatchObject({ type, code });
    expect(JSON.stringify(answer.body)).not.toContain('10.0.0.1');
  });

  it('names the field of a bad body', () => {
    const { body } = openAiError(
      new ApiError(
        400,
        'invalid_request_error',
        'messages must be a non-empty array',
        {
          param: 'messages',
        },
      ),
      NOW,
    );
    expect(body.error.param).toBe('messages');
  });

  it('writes durations as OpenAI does', () => {
    expect([0, 59, 60, 3599, 3600, 40213].map(duration)).toEqual([
      '0s',
      '59s',
      '1m0s',
      '59m59s',
      '1h0m0s',
      '11h10m13s',
    ]);
  });
});
