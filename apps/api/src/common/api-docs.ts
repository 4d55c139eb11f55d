import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

/** API.md's error body. */
export class ErrorDto {
  statusCode!: number;
  error!: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  })
  message!: string | string[];
  /** Machine-readable code, where the client must react to it. */
  @ApiProperty({ required: false })
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
    ApiServiceUnavailableResponse({
      type: ErrorDto,
      description: 'The database is unreachable',
    }),
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

export const ApiBadInput = () =>
  ApiBadRequestResponse({
    type: ErrorDto,
    description: 'Invalid input; nothing changed',
  });
export const ApiNotFound = (what: string) =>
  ApiNotFoundResponse({
    type: ErrorDto,
    description: `No such ${what}, or not the caller's`,
  });
