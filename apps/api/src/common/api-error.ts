import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * An error the client must react to: NestJS's error shape plus a
 * machine-readable `code` (API.md), and optional extra fields and headers.
 */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super({ statusCode: status, code, message, ...extra }, status);
  }
}

export const notFound = (what = 'Resource') =>
  new ApiError(HttpStatus.NOT_FOUND, 'NOT_FOUND', `${what} not found`);
