import { Param, ParseUUIDPipe } from '@nestjs/common';

/** `:id` route parameter; anything but a UUID is 400 before any query runs. */
export const IdParam = (name = 'id') =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => badId(name) }));

import { ApiError } from './api-error';
const badId = (name: string) =>
  new ApiError(400, 'VALIDATION_FAILED', `${name} must be a UUID`);
