import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { ApiError } from './api-error';
import { pathOf } from './http/paths';
import { sqlState } from './sql';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const CODES: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'TOO_MANY_REQUESTS',
};

/** Connection-level failures: the database is down or unreachable, not a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as {
    code?: string;
    message?: string;
    driverError?: unknown;
    cause?: unknown;
  };
  if (
    e.driverError &&
    e.driverError !== err &&
    isDatabaseUnavailable(e.driverError)
  )
    return true;
  const code = String(e.code ?? '');
  if (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'ENOTFOUND',
      'EHOSTUNREACH',
      '57P01',
      '57P02',
      '57P03',
    ].includes(code)
  ) {
    return true;
  }
  if (code.startsWith('08')) return true; // connection exception class
  const msg = String(e.message ?? '');
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|the database system is (starting|shutting) up/i.test(
    msg,
  );
}

/**
 * Invalid input the database caught (bad uuid text, value out of range or
 * too long, a NUL character in text): the caller's mistake. Validation
 * should have refused it first; this is the safety net.
 */
function isBadInput(err: unknown): boolean {
  return ['22P02', '22003', '22007', '22008', '22001', '22021'].includes(
    sqlState(err) ?? '',
  );
}

/** Every error leaves as API.md's JSON shape; nothing else leaks. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    const { status, body, headers } = this.describe(exception, req);
    if (res.sent || res.raw.headersSent) {
      // A stream already began: nothing more can be said in JSON.
      if (!res.raw.writableEnded) res.raw.end();
      return;
    }
    void res.headers(headers).code(status).send(body);
  }

  describe(
    exception: unknown,
    req?: FastifyRequest,
  ): {
    status: number;
    body: Record<string, unknown>;
    headers: Record<string, string>;
  } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const obj =
        typeof raw === 'string'
          ? { message: raw }
          : (raw as Record<string, unknown>);
      const body: Record<string, unknown> = {
        statusCode: status,
        error: REASONS[status] ?? (obj.error as string) ?? 'Error',
        ...obj,
      };
      body.statusCode = status;
      body.error = REASONS[status] ?? body.error;
      if (!body.code && CODES[status]) body.code = CODES[status];
      if (!body.message) body.message = exception.message;
      const headers = exception instanceof ApiError ? exception.headers : {};
      return { status, body, headers };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`Database unavailable: ${(exception as Error).message}`);
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        body: {
          statusCode: 503,
          error: REASONS[503],
          code: 'DATABASE_UNAVAILABLE',
          message: 'The database is unreachable; try again shortly',
        },
        headers: { 'Retry-After': '5' },
      };
    }
    if (exception instanceof QueryFailedError && isBadInput(exception)) {
      return {
        status: 400,
        body: {
          statusCode: 400,
          error: REASONS[400],
          code: 'VALIDATION_FAILED',
          message: ['invalid value'],
        },
        headers: {},
      };
    }
    this.logger.error(
      `Unhandled error on ${req?.method ?? ''} ${req ? pathOf(req.url) : ''}: ${(exception as Error)?.stack ?? String(exception)}`,
    );
    return {
      status: 500,
      body: {
        statusCode: 500,
        error: REASONS[500],
        message: 'Internal server error',
      },
      headers: {},
    };
  }
}
