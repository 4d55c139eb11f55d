import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import type { Logger } from 'pino';
import type { AuthUser } from '../auth-user';
import { pathOf } from '../http/paths';

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

/**
 * Where the request's log lines go: nestjs-pino's PinoLogger, whose
 * `runInContext` makes the child logger every log line of the request is
 * written through (Nest's Logger included), and whose `logger` is that child
 * inside it.
 */
export interface RequestLogContext {
  runInContext<T>(
    fn: () => T,
    options: { bindings: Record<string, unknown> },
  ): T;
  readonly logger: Logger;
}

type Req = FastifyRequest & { user?: AuthUser };

/** The fields of the access line: never a header, a query string or a body. */
export function accessFields(req: Req, res: ServerResponse, ms: number) {
  // The route's pattern; the path for a request no route matched.
  const route = req.routeOptions.url ?? pathOf(req.url);
  return {
    method: req.method,
    route,
    status: res.statusCode,
    duration_ms: ms,
    user_id: req.user?.id ?? null,
  };
}

/**
 * The first hook of every request (`onRequest`): answers its request id as
 * `X-Request-Id` (Fastify made it with `requestIdOf`), binds that id to every log line made while it is handled
 * (`request_id`: on `req.log`, and, with `context`, on every line Nest's
 * Logger writes while the request is handled), and writes one access line
 * when the answer ends, finished or cut: `info`, or `error` for a 5xx or a
 * failed answer (with the error's message).
 *
 * Not pino-http: it makes a second child logger of every request bound to the
 * whole request object (`log.child({ req })`), whatever the options, so every
 * request paid for serializing, redacting and stringifying the request (about
 * 15 % of the CPU of a quota read, even at a level that writes nothing) for a
 * binding the access line never uses. Nor nestjs-pino's own middleware (see
 * app.module.ts): mounted through Nest's middleware module, it matched every
 * request against its routes and each path excluded from the global prefix,
 * to do what `context.runInContext` does here.
 */
export function httpLogging(
  logger: Logger,
  context?: RequestLogContext,
): (
  req: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => void {
  return (req, reply, done) => {
    const id = req.id;
    if (!context)
      return handle(logger.child({ request_id: id }), id, req, reply.raw, done);
    context.runInContext(
      () => handle(context.logger, id, req, reply.raw, done),
      { bindings: { request_id: id } },
    );
  };
}

function handle(
  log: Logger,
  id: string,
  req: Req,
  res: ServerResponse,
  next: () => void,
): void {
  const start = Date.now();
  res.setHeader(REQUEST_ID_HEADER, id);
  req.log = log;
  let logged = false;
  const done = (err?: Error) => {
    if (logged) return;
    logged = true;
    res.off('close', done);
    res.off('finish', done);
    res.off('error', done);
    writeAccessLine(log, req, res, Date.now() - start, err);
  };
  res.on('close', done);
  res.on('finish', done);
  res.on('error', done);
  next();
}

function writeAccessLine(
  log: Logger,
  req: Req,
  res: ServerResponse,
  ms: number,
  err: Error | undefined,
): void {
  if (!err && res.statusCode < 500) {
    if (log.isLevelEnabled('info'))
      log.info(accessFields(req, res, ms), accessMessage(req, res, ms));
    return;
  }
  if (!log.isLevelEnabled('error')) return;
  const fields = accessFields(req, res, ms);
  // The error's message only for a 5xx: a cut connection of a 4xx says nothing more.
  log.error(
    err && res.statusCode >= 500 ? { ...fields, error: err.message } : fields,
    accessMessage(req, res, ms),
  );
}

function accessMessage(req: Req, res: ServerResponse, ms: number) {
  const { method, route, status } = accessFields(req, res, ms);
  return `${method} ${route} ${status} ${ms}ms`;
}
