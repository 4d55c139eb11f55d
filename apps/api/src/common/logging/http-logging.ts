import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, type HttpLogger, type Options } from 'pino-http';
import type { AuthUser } from '../auth-user';

/** The request header (and answer header) carrying the request id. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A caller's request id is used when it is 1 to 128 of these characters (UUIDs, ULIDs, trace ids). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:/+=@-]{1,128}$/;

/** The caller's `X-Request-Id` if it is sane, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given)
    ? given
    : randomUUID();
}

type Req = IncomingMessage & {
  id?: unknown;
  originalUrl?: string;
  route?: { path?: unknown };
  user?: AuthUser;
};

/** The fields of the access line: never a header, a query string or a body. */
export function accessFields(req: Req, res: ServerResponse, ms: number) {
  const path = (req.originalUrl ?? req.url ?? '').split('?')[0];
  const route = typeof req.route?.path === 'string' ? req.route.path : path;
  return {
    method: req.method,
    route,
    status: res.statusCode,
    duration_ms: ms,
    user_id: req.user?.id ?? null,
  };
}

/**
 * The first middleware of every request: gives it a request id (answered as
 * `X-Request-Id`), binds that id to every log line made while it is handled
 * (`request_id`), and writes one access line when the answer ends, finished
 * or cut.
 */
export function httpLogging(logger: Logger): HttpLogger {
  const options: Options<Req, ServerResponse> = {
    logger,
    genReqId: (req, res) => {
      const id = requestIdOf(req);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customAttributeKeys: { reqId: 'request_id' },
    // Request and answer logs carry the id, not the whole request.
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : 'info',
    customSuccessMessage: (req, res, ms) => accessMessage(req, res, ms),
    customErrorMessage: (req, res, _err, ms?: number) =>
      accessMessage(req, res, ms ?? null),
    customSuccessObject: (req, res, val: { responseTime: number }) =>
      accessFields(req, res, val.responseTime),
    customErrorObject: (req, res, err, val: { responseTime: number }) => ({
      ...accessFields(req, res, val.responseTime),
      ...(res.statusCode < 500 || err.message.startsWith('failed with status')
        ? {}
        : { error: err.message }),
    }),
  };
  return pinoHttp(options);
}

function accessMessage(req: Req, res: ServerResponse, ms: number | null) {
  const { method, route, status } = accessFields(req, res, ms ?? 0);
  return `${method} ${route} ${status}${ms === null ? '' : ` ${ms}ms`}`;
}
