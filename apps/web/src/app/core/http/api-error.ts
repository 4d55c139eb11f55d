import { HttpErrorResponse } from '@angular/common/http';
import type { ApiError, Quota } from '@tally/api-contract';

/** A failed API call, whatever transport (HttpClient or fetch) made it. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: Partial<ApiError> | null,
    /** The `Retry-After` header, when the answer had one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`HTTP ${status}${body?.code ? ` ${body.code}` : ''}`);
    this.name = 'ApiRequestError';
  }

  get code(): string | undefined {
    return this.body?.code;
  }

  get quota(): Quota | undefined {
    return this.body?.quota;
  }
}

export function toApiRequestError(error: unknown): ApiRequestError {
  if (error instanceof ApiRequestError) {
    return error;
  }
  if (error instanceof HttpErrorResponse) {
    const body =
      error.error && typeof error.error === 'object'
        ? (error.error as Partial<ApiError>)
        : null;
    const retryAfter = Number(error.headers?.get('Retry-After') ?? NaN);
    return new ApiRequestError(
      error.status,
      body,
      Number.isFinite(retryAfter) ? retryAfter : undefined,
    );
  }
  return new ApiRequestError(0, null);
}

/** Codes that have their own sentence in `errors.code.*`. */
const KNOWN_CODES = new Set([
  'REGISTRATION_CLOSED',
  'EMAIL_TAKEN',
  'INVALID_CREDENTIALS',
  'USER_DEACTIVATED',
  'LAST_ADMIN',
  'QUOTA_MESSAGES_EXCEEDED',
  'QUOTA_TOKENS_EXCEEDED',
  'TOO_MANY_STREAMS',
  'TOO_MANY_REQUESTS',
  'AI_PROVIDER_ERROR',
  'AI_PROVIDER_TIMEOUT',
  'DATABASE_UNAVAILABLE',
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'WRONG_PASSWORD',
  'UNKNOWN_MODEL',
  'MODEL_IS_DEFAULT',
  'MODEL_EXISTS',
  'CONNECTION_IN_USE',
  'MANAGED_BY_ENVIRONMENT',
  'SECRETS_KEY_REQUIRED',
  'ALERT_WEBHOOK_NOT_SET',
  'QUOTA_COST_EXCEEDED',
  'LIMIT_EXISTS',
  'LIMIT_REQUIRED',
  'NO_SUCH_LIMIT',
  'GROUP_EXISTS',
  'TOO_MANY_KEYS',
  'MODEL_NOT_ALLOWED',
  'API_KEY_NOT_ALLOWED',
  'PASSWORD_LOGIN_DISABLED',
  'SSO_CODE_INVALID',
]);

/**
 * The translation key that says in words what went wrong: by the API's
 * machine-readable code when it has one, else by HTTP status; `byStatus`
 * names what a status means for this one call (a 401 at login is a wrong
 * password, not the end of a session).
 */
export function errorMessageKey(
  error: unknown,
  byStatus: Readonly<Record<number, string>> = {},
): string {
  const e = toApiRequestError(error);
  if (e.code && KNOWN_CODES.has(e.code)) {
    return `errors.code.${e.code}`;
  }
  if (byStatus[e.status]) {
    return byStatus[e.status];
  }
  switch (e.status) {
    case 0:
      return 'errors.status.network';
    case 400:
      return 'errors.status.badRequest';
    case 401:
      return 'errors.status.unauthorized';
    case 403:
      return 'errors.status.forbidden';
    case 404:
      return 'errors.status.notFound';
    case 409:
      return 'errors.status.conflict';
    case 413:
      return 'errors.code.PAYLOAD_TOO_LARGE';
    case 429:
      return 'errors.code.TOO_MANY_REQUESTS';
    case 502:
      return 'errors.code.AI_PROVIDER_ERROR';
    case 503:
      return 'errors.code.DATABASE_UNAVAILABLE';
    case 504:
      return 'errors.code.AI_PROVIDER_TIMEOUT';
    default:
      return 'errors.status.unknown';
  }
}
