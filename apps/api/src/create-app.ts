import { type INestApplication, Logger, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  FastifyAdapter,
  type NestFastifyApplication,
} from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type {
  FastifyInstance,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import {
  type DescribeError,
  edgeErrorHandler,
} from './common/http/edge-errors';
import { readJsonBodies, refuseNonJsonBodies } from './common/http/json-body';
import { isGatewayPath, pathOf } from './common/http/paths';
import { serveWebApp } from './common/http/web-app';
import { refuseIllFormedUrl } from './common/http/well-formed-input';
import { buildOpenApiDocument } from './common/openapi';
import { openAiError } from './modules/gateway/openai-error';
import {
  httpLogging,
  REQUEST_ID_HEADER,
  requestIdOf,
} from './common/logging/http-logging';
import { createLogger } from './common/logging/logger';
import { securityHeaders } from './common/security-headers';
import { AppValidationPipe } from './common/validation.pipe';
import type { AppConfig } from './config/app-config';
import { metricsHook } from './modules/metrics/metrics.hook';
import { MetricsService } from './modules/metrics/metrics.service';

/**
 * Nest on Fastify. Nest's own error handler would answer every error raised
 * before a route's handler (reading the body, the edge's hooks) in API.md's
 * shape, /v1 included, and Fastify warns when one handler replaces another,
 * so the edge's handler is the one Nest installs.
 */
class EdgeAdapter extends FastifyAdapter {
  constructor(
    options: FastifyServerOptions & { skipMiddie?: boolean },
    private readonly onError: Parameters<FastifyInstance['setErrorHandler']>[0],
  ) {
    super(options);
  }

  override setErrorHandler() {
    return this.getInstance().setErrorHandler(this.onError);
  }
}

/** Builds the whole HTTP application for a configuration; main.ts and the tests both use it. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const logger = createLogger(config);
  const security = securityHeaders();
  const edgeErrors = edgeErrorHandler(describeError, config.bodyLimitBytes);
  const adapter = new EdgeAdapter(
    {
      // Whose X-Forwarded-For names the client (TRUST_PROXY); by default nobody's.
      trustProxy: config.trustProxy,
      bodyLimit: config.bodyLimitBytes,
      // The caller's X-Request-Id when it is sane, else a new UUID.
      genReqId: requestIdOf,
      routerOptions: {
        // `/api/chats/` is `/api/chats`, as it always was.
        ignoreTrailingSlash: true,
        // A long garbage id is the route's 400, not the router's 404.
        maxParamLength: 8192,
      },
      // No Nest middleware: the edge is Fastify hooks (below).
      skipMiddie: true,
      // A request that reaches a closing server on a kept-alive connection
      // goes through the edge like any other (request id, headers, API.md's
      // shape: a send is 503 SHUTTING_DOWN), with `Connection: close`; not
      // Fastify's own bare 503.
      return503OnClosing: false,
      // Node's own limit on receiving a request (Fastify turns it off).
      requestTimeout: 300_000,
      // A URL Fastify cannot route (malformed percent-encoding) is refused
      // before any hook runs: it still gets its request id, the security
      // headers and API.md's (or OpenAI's) error shape.
      frameworkErrors: (err, req, reply) => {
        reply.raw.setHeader(REQUEST_ID_HEADER, req.id);
        security(req, reply.raw, () => undefined);
        edgeErrors(err, req, reply);
      },
    },
    edgeErrors,
  );
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger),
    adapter,
    { bodyParser: false, bufferLogs: true },
  );
  app.useLogger(app.get(PinoNestLogger));
  const fastify = adapter.getInstance();
  // First: the request id (X-Request-Id) and the access line, for every
  // answer; the id is on every line logged while the request is handled.
  fastify.addHook(
    'onRequest',
    httpLogging(logger, await app.resolve(PinoLogger)),
  );
  // Then the security headers (helmet), on every answer too.
  fastify.addHook('onRequest', (req, reply, done) =>
    security(req, reply.raw, done),
  );
  fastify.addHook('onRequest', metricsHook(app.get(MetricsService)));
  // A body in anything but JSON is 415; JSON is read with its depth and its
  // text checked.
  fastify.addHook('onRequest', refuseNonJsonBodies);
  readJsonBodies(fastify, config.bodyLimitBytes);
  // Path parameters and the query with a NUL or an unpaired surrogate are
  // 400, on every route (the body's are refused as it is parsed).
  fastify.addHook('onRequest', refuseIllFormedUrl);
  // On SIGTERM or SIGINT: finish the requests in progress, close, then exit
  // with code 0 (not by the signal again, which as PID 1 in a container is ignored).
  app.enableShutdownHooks([], { useProcessExit: true });

  // Everything is under /api, but the metrics and the OpenAI-compatible endpoint.
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'metrics', method: RequestMethod.GET },
      { path: 'v1/models', method: RequestMethod.GET },
      { path: 'v1/models/:id', method: RequestMethod.GET },
      { path: 'v1/chat/completions', method: RequestMethod.POST },
      { path: 'v1/*path', method: RequestMethod.ALL },
    ],
  });
  app.useGlobalPipes(new AppValidationPipe());

  const doc = buildOpenApiDocument(app);
  SwaggerModule.setup('api/docs', app, doc, {
    jsonDocumentUrl: 'api/docs-json',
    useGlobalPrefix: false,
  });

  if (config.webDir && existsSync(join(config.webDir, 'index.html'))) {
    await serveWebApp(fastify, config.webDir);
  }
  return app;
}

const describer = new AllExceptionsFilter();

/** An error answered before Nest's filters: API.md's shape, or OpenAI's on /v1. */
const describeError: DescribeError = (req: FastifyRequest, err: unknown) =>
  isGatewayPath(pathOf(req.url))
    ? openAiError(err, Date.now())
    : describer.describe(err, req);

export async function listen(
  app: INestApplication,
  config: AppConfig,
): Promise<string> {
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  new Logger('Tally').log(`Listening on ${url.replace('[::1]', 'localhost')}`);
  return url;
}
