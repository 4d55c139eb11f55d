import { Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../../common/api-error';

/**
 * Throttles login attempts per client address and email, so guessing one
 * account's password is slow even when spread over time, and one client
 * cannot lock out everyone else.
 */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Request): Promise<string> {
    const email =
      typeof req.body?.email === 'string'
        ? req.body.email.trim().toLowerCase()
        : '';
    return `${req.ip ?? ''}|${email}`;
  }

  protected override async throwThrottlingException(
    _ctx: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retry = Math.max(
      1,
      Math.ceil(detail.timeToBlockExpire || detail.timeToExpire),
    );
    throw new ApiError(
      429,
      'TOO_MANY_REQUESTS',
      'Too many login attempts; try again later',
      {},
      { 'Retry-After': String(retry) },
    );
  }
}
