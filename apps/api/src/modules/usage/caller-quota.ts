import {
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import type { ModelPrices } from '../models/cost';
import type { LimitRow } from './quota';
import type { LimitContext } from './usage.service';

/**
 * The quota AuthGuard read together with the caller's row, in one statement
 * (limits.sql.ts `quotaWithUserSql`), for a route marked
 * `@ReadsQuotaWithCaller()`: the limits of `model` at `ctx`, and whether the
 * `?model=` asked for (`requested`) is an enabled model.
 */
export interface CallerQuota {
  requested: string | undefined;
  model: string;
  ctx: LimitContext;
  limits: LimitRow[];
  /** The prices of `model` (null: no such model), for whether a cost limit is exhausted. */
  prices: ModelPrices | null;
  modelEnabled: boolean;
}

export const READS_QUOTA_WITH_CALLER = 'tally:readsQuotaWithCaller';

/** Where AuthGuard leaves the CallerQuota on the request. */
const ON_REQUEST = Symbol('callerQuota');

type WithCallerQuota = { [ON_REQUEST]?: CallerQuota };

/**
 * AuthGuard reads the caller and the quota of the route's `?model=` in one
 * statement instead of two (every open chat polls `GET /api/chats/quota`).
 * Only with an access token: an API key's owner is read with the key.
 */
export const ReadsQuotaWithCaller = () =>
  SetMetadata(READS_QUOTA_WITH_CALLER, true);

export function keepCallerQuota(req: object, quota: CallerQuota): void {
  (req as WithCallerQuota)[ON_REQUEST] = quota;
}

/** The CallerQuota AuthGuard read for this request, if it read one. */
export const PrefetchedQuota = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): CallerQuota | undefined =>
    ctx.switchToHttp().getRequest<WithCallerQuota>()[ON_REQUEST],
);
