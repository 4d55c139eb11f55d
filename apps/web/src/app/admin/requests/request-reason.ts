/**
 * The codes a request log row can hold (why a request was refused or
 * failed), each with its words under `admin.requests.reasons.<code>`. A
 * code not listed here (a newer API, a provider's own) is shown as it is.
 */
export const REQUEST_REASONS: readonly string[] = [
  'QUOTA_MESSAGES_EXCEEDED',
  'QUOTA_TOKENS_EXCEEDED',
  'QUOTA_COST_EXCEEDED',
  'TOO_MANY_STREAMS',
  'MODEL_NOT_ALLOWED',
  'UNKNOWN_MODEL',
  'model_not_found',
  'invalid_request_error',
  'unsupported_parameter',
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'AI_PROVIDER_ERROR',
  'AI_PROVIDER_TIMEOUT',
  'DATABASE_UNAVAILABLE',
  'SHUTTING_DOWN',
  'INTERNAL_ERROR',
];

/** The translation key of a reason, or null when it has none (show the code). */
export function reasonKey(code: string | null): string | null {
  return code !== null && REQUEST_REASONS.includes(code)
    ? `admin.requests.reasons.${code}`
    : null;
}
