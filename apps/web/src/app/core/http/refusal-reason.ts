/**
 * Why a request was refused or failed, in words: the request log keeps the
 * API's machine code (`QUOTA_MESSAGES_EXCEEDED`, `TOO_MANY_STREAMS`,
 * `HTTP_502`, ...); the page says it under `errors.reason`. A code the page
 * does not know yet is named as it is, after "Other reason".
 */
export const REASON_CODES = [
  'QUOTA_MESSAGES_EXCEEDED',
  'QUOTA_TOKENS_EXCEEDED',
  'QUOTA_COST_EXCEEDED',
  'TOO_MANY_STREAMS',
  'TOO_MANY_REQUESTS',
  'MODEL_NOT_ALLOWED',
  'UNKNOWN_MODEL',
  'AI_PROVIDER_ERROR',
  'AI_PROVIDER_TIMEOUT',
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'JSON_TOO_DEEP',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'API_KEY_NOT_ALLOWED',
  'DATABASE_UNAVAILABLE',
  'SHUTTING_DOWN',
  'INTERNAL_ERROR',
  // The gateway's own, in OpenAI's words.
  'model_not_found',
  'invalid_request_error',
  'unsupported_parameter',
] as const;

const KNOWN = new Set<string>(REASON_CODES);

export interface Reason {
  key: string;
  params: Record<string, string | number>;
}

export function refusalReason(code: string): Reason {
  if (KNOWN.has(code)) {
    return { key: `errors.reason.${code}`, params: {} };
  }
  const http = /^HTTP_(\d{3})$/.exec(code);
  if (http) {
    return { key: 'errors.reason.HTTP', params: { status: Number(http[1]) } };
  }
  return { key: 'errors.reason.other', params: { code } };
}
