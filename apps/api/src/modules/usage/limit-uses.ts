import type { LimitUse } from '../alerts/alerts.service';
import type { HoldCharge, Reservation } from './holds.service';
import {
  type CounterRow,
  exhaustsAt,
  fromCounters,
  toQuotaLimit,
} from './quota';

/**
 * What a settle did to each limit of its send, for the threshold alerts:
 * the settled use before and after it, from the counters the settle
 * returned (no query). Personal and API-key limits name the sender; shared
 * ones nobody. Nothing when nothing was charged.
 */
export function limitUses(
  r: Reservation,
  charge: HoldCharge,
  counters: CounterRow[],
): LimitUse[] {
  if (charge.messages <= 0 && charge.tokens <= 0) return [];
  const added = {
    messages: charge.messages,
    tokens: charge.tokens,
    cost: charge.cost ?? 0,
  };
  const user = {
    id: r.userId,
    email: r.who?.email ?? '',
    name: r.who?.name ?? '',
  };
  return fromCounters(r.limits, counters).map((l) => ({
    limit: toQuotaLimit(l),
    before: l.settled - added[l.metric],
    after: l.settled,
    periodStart: l.periodStart,
    user: l.shared ? null : user,
    exhaustsAt: exhaustsAt(l),
  }));
}
