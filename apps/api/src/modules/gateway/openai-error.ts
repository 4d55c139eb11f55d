import type { Quota } from '@tally/api-contract';
import { AllExceptionsFilter } from '../../common/all-exceptions.filter';
import { gatewayRateLimitHeaders } from './openai-headers';

/** OpenAI's error body. */
export interface OpenAiErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

/** An error of the gateway as HTTP: status, OpenAI's body, headers. */
export interface OpenAiErrorAnswer {
  status: number;
  body: OpenAiErrorBody;
  headers: Record<string, string>;
}

const describer = new AllExceptionsFilter();

const typeOf = (status: number, code: string): string =>
  code.startsWith('QUOTA_')
    ? 'insufficient_quota'
    : status === 429
      ? 'rate_limit_error'
      : status === 401
        ? 'authentication_error'
        : status === 403
          ? 'permission_error'
          : status === 404
            ? 'not_found_error'
            : status >= 500
              ? 'api_error'
              : 'invalid_request_error';

/** OpenAI's codes where it has one; Tally's own otherwise. */
const codeOf = (status: number, code: string): string =>
  status === 401
    ? 'invalid_api_key'
    : code === 'UNKNOWN_MODEL' || code === 'model_not_found'
      ? 'model_not_found'
      : code;

/**
 * Any error, as the gateway answers it: the status and headers Tally would
 * answer (Retry-After, RateLimit), OpenAI's body, `x-ratelimit-*` when the
 * error carries the caller's quota, and `x-should-retry: false` on a quota
 * refusal (nothing changes before the reset).
 */
export function openAiError(
  exception: unknown,
  nowMs: number,
): OpenAiErrorAnswer {
  const { status, body, headers } = describer.describe(exception);
  const code = String(body.code ?? 'INTERNAL_ERROR');
  const message = Array.isArray(body.message)
    ? body.message.join('; ')
    : String(body.message ?? '');
  const quota = body.quota as Quota | undefined;
  const out: Record<string, string> = {
    ...headers,
    ...(quota ? gatewayRateLimitHeaders(quota, nowMs) : {}),
  };
  if (code.startsWith('QUOTA_')) out['x-should-retry'] = 'false';
  return {
    status,
    body: {
      error: {
        message,
        type: typeOf(status, code),
        param: typeof body.param === 'string' ? body.param : null,
        code: codeOf(status, code),
      },
    },
    headers: out,
  };
}
