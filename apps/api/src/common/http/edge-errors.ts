import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api-error';
import { JsonTooDeepError } from '../json-depth';

/** An error answered at the edge, before Nest: status, body, headers. */
export type EdgeAnswer = {
  status: number;
  body: unknown;
  headers: Record<string, string>;
};

/** Turns an error into an answer: API.md's shape, or OpenAI's on /v1 (create-app.ts). */
export type DescribeError = (req: FastifyRequest, err: unknown) => EdgeAnswer;

/** 415: the API reads JSON bodies only. */
export const unsupportedMediaType = () =>
  new ApiError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'The request body must be JSON, sent with Content-Type: application/json',
  );

/**
 * What a request's URL or body did wrong, in API.md's codes: a malformed
 * URL, or a body malformed or nested deeper than 64 levels, is 400; a body
 * too large 413, not JSON 415. Anything
 * else is left as it is (a 500, logged, if it is no HTTP error).
 */
export function bodyErrorOf(err: unknown, bodyLimit: number): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof JsonTooDeepError)
    return new ApiError(400, err.code, err.message);
  const e = err as Partial<FastifyError>;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        413,
        'PAYLOAD_TOO_LARGE',
        `The request body is larger than ${bodyLimit} bytes`,
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(
        400,
        'MALFORMED_JSON',
        'The request body is not valid JSON',
      );
    case 'FST_ERR_BAD_URL':
      return new ApiError(
        400,
        'VALIDATION_FAILED',
        'The URL is not valid: malformed percent-encoding',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType();
  }
  if (e.statusCode && e.statusCode < 500)
    return new ApiError(
      e.statusCode,
      'BAD_REQUEST',
      'The request body could not be read',
    );
  return err;
}

/**
 * Fastify's error handler: the errors raised before a route's handler runs
 * (the edge's hooks, reading the body). Nest answers everything after that
 * with its exception filters.
 */
export function edgeErrorHandler(
  describe: DescribeError,
  bodyLimit: number,
): (err: unknown, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, req, reply) => {
    const { status, body, headers } = describe(
      req,
      bodyErrorOf(err, bodyLimit),
    );
    void reply.code(status).headers(headers).send(body);
  };
}
