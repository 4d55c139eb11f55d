import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiProperty,
  type ApiPropertyOptions,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

/** API.md's error body. */
export class ErrorDto {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode!: number;
  @ApiProperty({
    description: "The status code's reason phrase",
    example: 'Bad Request',
  })
  error!: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description:
      'What went wrong, for people; a validation error lists every problem',
  })
  message!: string | string[];
  @ApiProperty({
    required: false,
    description:
      'Machine-readable code, where the client must react to it (e.g. `VALIDATION_FAILED`, ' +
      '`QUOTA_MESSAGES_EXCEEDED`, `REGISTRATION_CLOSED`); see each answer for its codes',
    example: 'VALIDATION_FAILED',
  })
  code?: string;
}

/** A route that needs a bearer token (access token or API key). */
export const ApiAuth = () =>
  applyDecorators(
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      type: ErrorDto,
      description: 'No, bad or expired credentials, or a deactivated user',
    }),
    ApiDatabase(),
  );

/** A route for admins only. */
export const ApiAdmin = () =>
  applyDecorators(
    ApiAuth(),
    ApiForbiddenResponse({
      type: ErrorDto,
      description: 'The caller is not an admin',
    }),
  );

/** Every route: a bad body, route parameter or query parameter (one the route does not take included). */
export const ApiBadInput = () =>
  applyDecorators(
    ApiBadRequestResponse({
      type: ErrorDto,
      description:
        'Invalid input (`VALIDATION_FAILED`, `message` lists every problem): a bad body, route parameter ' +
        'or query parameter, including a query parameter the route does not take; nothing changed',
    }),
  );

/**
 * 415 on a route that takes a JSON body. Not a decorator: the document's
 * last step (`finishOpenApiDocument`) adds it to exactly the operations that
 * have a request body, so a route without one never lists it.
 */
export const UNSUPPORTED_MEDIA_TYPE_RESPONSE = {
  description:
    '`UNSUPPORTED_MEDIA_TYPE`: a request body that is not JSON; nothing changed',
};

/** A route that reads the database without needing credentials. */
export const ApiDatabase = () =>
  ApiServiceUnavailableResponse({
    type: ErrorDto,
    description: 'The database is unreachable',
  });

// Wire formats of fields (API.md "Conventions").
/** A whole number. */
export const ApiInt = (options: ApiPropertyOptions = {}) =>
  ApiProperty({ type: 'integer', ...options } as ApiPropertyOptions);
/** An ISO 8601 timestamp in UTC. */
export const ApiTimestamp = (options: ApiPropertyOptions = {}) =>
  ApiProperty({
    type: 'string',
    format: 'date-time',
    example: '2026-11-28T12:49:47.000Z',
    ...options,
  } as ApiPropertyOptions);
/** A calendar day, `YYYY-MM-DD`. */
export const ApiDay = (options: ApiPropertyOptions = {}) =>
  ApiProperty({
    type: 'string',
    format: 'date',
    example: '2026-11-28',
    ...options,
  } as ApiPropertyOptions);
/** A UUID. */
export const ApiUuid = (options: ApiPropertyOptions = {}) =>
  ApiProperty({
    type: 'string',
    format: 'uuid',
    ...options,
  } as ApiPropertyOptions);
export const ApiNotFound = (what: string) =>
  ApiNotFoundResponse({
    type: ErrorDto,
    description: `No such ${what}, or not the caller's`,
  });
