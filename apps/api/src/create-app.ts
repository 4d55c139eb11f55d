import { type INestApplication, Logger, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, {
  type NextFunction,
  type Request,
  type Response,
} from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ApiError } from './common/api-error';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { buildOpenApiDocument } from './common/openapi';
import { checkJsonDepth, JsonTooDeepError } from './common/json-depth';
import { openAiError } from './modules/gateway/openai-error';
import { httpLogging } from './common/logging/http-logging';
import { createLogger } from './common/logging/logger';
import { securityHeaders } from './common/security-headers';
import { AppValidationPipe } from './common/validation.pipe';
import type { AppConfig } from './config/app-config';

/** The media types read as JSON bodies. */
const JSON_TYPES = ['application/json', 'application/*+json'];

/** Builds the whole HTTP application for a configuration; main.ts and the tests both use it. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const logger = createLogger(config);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, logger),
    { bodyParser: false, bufferLogs: true },
  );
  app.useLogger(app.get(PinoNestLogger));
  // First: the request id (X-Request-Id) and the access line, for every
  // answer; the id is on every line logged while the request is handled.
  app.use(httpLogging(logger, await app.resolve(PinoLogger)));
  // Then the security headers (helmet), on every answer too.
  app.use(securityHeaders());
  // On SIGTERM or SIGINT: finish the requests in progress, close, then exit
  // with code 0 (not by the signal again, which as PID 1 in a container is ignored).
  app.enableShutdownHooks([], { useProcessExit: true });
  // Whose X-Forwarded-For names the client (TRUST_PROXY); by default nobody's.
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');

  // A body in anything but JSON is 415, rather than left unread (as if it were empty).
  app.use((req: Request, res: Response, next: NextFunction) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      Number(req.headers['content-length'] ?? 0) > 0;
    const api = req.path.startsWith('/api/') || isGateway(req);
    if (api && hasBody && !req.is(JSON_TYPES)) {
      const { status, body } = describeError(
        req,
        new ApiError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          'The request body must be JSON, sent with Content-Type: application/json',
        ),
      );
      return void res.status(status).json(body);
    }
    next();
  });
  // JSON bodies: malformed or nested deeper than 64 levels is 400, too large
  // is 413, all in API.md's error shape. The depth is checked on the raw
  // text, before it is parsed.
  app.use(
    express.json({
      limit: config.bodyLimitBytes,
      type: JSON_TYPES,
      verify: (_req, _res, raw) => checkJsonDepth(raw),
    }),
  );
  app.use(
    (
      err: { type?: string; status?: number },
      req: Request,
      res: Response,
      next: NextFunction,
    ) => {
      if (!err) return next();
      const mapped =
        err instanceof JsonTooDeepError
          ? new ApiError(400, err.code, err.message)
          : err.type === 'entity.too.large'
            ? new ApiError(
                413,
                'PAYLOAD_TOO_LARGE',
                `The request body is larger than ${config.bodyLimitBytes} bytes`,
              )
            : err.type === 'entity.parse.failed'
              ? new ApiError(
                  400,
                  'MALFORMED_JSON',
                  'The request body is not valid JSON',
                )
              : new ApiError(
                  err.status && err.status < 500 ? err.status : 400,
                  err.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST',
                  'The request body could not be read',
                );
      const { status, body } = describeError(req, mapped);
      res.status(status).json(body);
    },
  );

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
    serveWebApp(app, config.webDir);
  }
  return app;
}

/** The OpenAI-compatible endpoint answers in OpenAI's error shape. */
const isGateway = (req: Request) =>
  req.path === '/v1' || req.path.startsWith('/v1/');

/** An error answered before Nest's filters: API.md's shape, or OpenAI's on /v1. */
function describeError(
  req: Request,
  err: ApiError,
): { status: number; body: unknown } {
  return isGateway(req)
    ? openAiError(err, Date.now())
    : new AllExceptionsFilter().describe(err);
}

/** The built web app at `/`, with index.html for every path that is not a file, the API or metrics. */
function serveWebApp(app: NestExpressApplication, dir: string): void {
  const index = join(dir, 'index.html');
  const files = express.static(dir, {
    index: false,
    maxAge: '1h',
    fallthrough: true,
  });
  // The API and metrics never look for a file on disk.
  const isApi = (req: Request) =>
    req.path.startsWith('/api') || req.path === '/metrics' || isGateway(req);
  app.use((req: Request, res: Response, next: NextFunction) =>
    isApi(req) ? next() : files(req, res, next),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApi(req)) {
      return next();
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}

export async function listen(
  app: INestApplication,
  config: AppConfig,
): Promise<string> {
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  new Logger('Tally').log(`Listening on ${url.replace('[::1]', 'localhost')}`);
  return url;
}
