import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { ErrorDto, UNSUPPORTED_MEDIA_TYPE_RESPONSE } from './api-docs';
import { PUBLIC_OPERATION } from './decorators';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * A readable `operationId` for a route that does not name its own with
 * `@ApiOperation({ operationId })`: the method's name followed by the
 * controller's, e.g. `listModels` for `ModelsController.list` (instead of
 * Nest's `ModelsController_list`).
 */
export function readableOperationId(
  controllerKey: string,
  methodKey: string,
): string {
  const resource = controllerKey.replace(/Controller$/, '');
  return `${methodKey}${resource.charAt(0).toUpperCase()}${resource.slice(1)}`;
}

/** The OpenAPI document the API serves at `/api/docs-json`. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tally API')
      .setDescription(
        'Self-hosted AI chat with per-user daily message and token quotas. ' +
          'Authenticate with `Authorization: Bearer <token>`: an access token from login, or an API key.',
      )
      .setVersion('1.0')
      .setLicense('MIT', 'https://opensource.org/licenses/MIT')
      .addServer('/', 'This server')
      .addBearerAuth()
      .build(),
    {
      operationIdFactory: readableOperationId,
      extraModels: [ErrorDto],
    },
  );
  return finishOpenApiDocument(doc);
}

/**
 * The last touches no decorator can make:
 * - a `@Public()` route's operation gets `security: []` (the generator
 *   drops empty lists), so it says that it needs no credentials;
 * - 415 is listed on exactly the operations that take a request body.
 */
export function finishOpenApiDocument(doc: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(doc.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, unknown>)[method] as
        | (Record<string, unknown> & {
            requestBody?: unknown;
            responses: Record<string, unknown>;
          })
        | undefined;
      if (!op) continue;
      if (op[PUBLIC_OPERATION]) {
        op.security = [];
        delete op[PUBLIC_OPERATION];
      }
      if (op.requestBody) {
        op.responses['415'] = {
          ...UNSUPPORTED_MEDIA_TYPE_RESPONSE,
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/ErrorDto' },
            },
          },
        };
      } else {
        delete op.responses['415'];
      }
    }
  }
  return doc;
}
