import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { sqlState } from '../../common/sql';
import { DatabaseService, type Tx } from '../../database/database.service';
import { AlertsService } from '../alerts/alerts.service';
import { thresholdMark } from '../alerts/crossings';
import type { HoldCharge, Reservation } from './holds.service';
import { CROSSES_THRESHOLD, SETTLE_PARAMS, settleSql } from './holds.sql';
import type { Committed, Store } from './lease';
import { limitUses } from './limit-uses';
import { type CounterRow, exhaustsAt } from './quota';
import { isRider, type Rider, withRider } from './rider';

/** What a settle's statement answers: no row when the hold was already settled. */
interface SettleRow {
  counters: CounterRow[];
  rider?: unknown;
}

/** The settle of one lease, as the statement needs it. */
export interface SettleOf {
  holdId: string;
  slotId: string;
  reservation: Reservation;
}

/**
 * Runs a lease's settle (holds.sql.ts `settleSql`) with what the answer
 * used. Two ways, the same outcome:
 * - with a Rider (or nothing to store): ONE statement, one commit. It fails
 *   and changes nothing when the settle would cross an alert threshold;
 *   then it runs again in a transaction that records the crossings;
 * - with a Store callback (or on that fallback): BEGIN, the settle, the
 *   crossings, the store, COMMIT.
 */
@Injectable()
export class SettleService {
  constructor(
    private readonly db: DatabaseService,
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async commit<T>(
    s: SettleOf,
    charge: HoldCharge,
    store: Store<T> | Rider<T> | null,
  ): Promise<Committed<T>> {
    const rider = isRider<T>(store) ? store : null;
    // A pause between the settle and the commit (tests of a crash there) needs the transaction.
    if ((rider || !store) && this.config.testing.settleStoreDelayMs === 0) {
      const marks = this.marks(s.reservation, charge);
      try {
        const rows = await this.db.prepared<SettleRow>(
          ...this.statement(s, charge, rider, marks),
        );
        return this.result(rows, rider);
      } catch (err) {
        if (sqlState(err) !== CROSSES_THRESHOLD) throw err;
      }
    }
    return this.db.inTransaction(async (tx) => {
      const rows = await this.run(tx, this.statement(s, charge, rider, null));
      if (rows.length === 0) return { counters: null, stored: null };
      const counters = rows[0].counters;
      // Thresholds this settle crossed: recorded with it, or not at all (the outbox).
      await this.alerts.recordCrossings(
        tx,
        limitUses(s.reservation, charge, counters),
      );
      const delay = this.config.testing.settleStoreDelayMs;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (rider) return this.result(rows, rider);
      return { counters, stored: store ? await (store as Store<T>)(tx) : null };
    });
  }

  /** The statement's name, text and parameters. */
  private statement<T>(
    s: SettleOf,
    charge: HoldCharge,
    rider: Rider<T> | null,
    marks: string | null,
  ): [string, string, unknown[]] {
    const params = [
      s.holdId,
      charge.messages,
      charge.tokens,
      charge.cost ?? 0,
      charge.model ?? null,
      charge.promptTokens ?? 0,
      charge.completionTokens ?? 0,
      s.slotId,
      marks,
    ];
    const [name, text] = withRider(
      'tally_settle_v2',
      settleSql,
      SETTLE_PARAMS,
      rider as Rider<unknown> | null,
    );
    return [name, text, rider ? [...params, ...rider.params] : params];
  }

  /** Prepared: planning this statement costs more than running it. */
  private run(tx: Tx, [name, text, params]: [string, string, unknown[]]) {
    return tx.prepared
      ? tx.prepared<SettleRow>(name, text, params)
      : tx.query<SettleRow>(text, params);
  }

  private result<T>(rows: SettleRow[], rider: Rider<T> | null): Committed<T> {
    if (rows.length === 0) return { counters: null, stored: null };
    return {
      counters: rows[0].counters,
      stored: rider ? rider.read(rows[0].rider ?? null) : null,
    };
  }

  /**
   * The threshold marks this settle is guarded with (see settleSql): for
   * every limit of the send above 0 that the charge adds to, the smallest
   * use of each alert threshold. Null when none can be crossed.
   */
  private marks(r: Reservation, charge: HoldCharge): string | null {
    const added = {
      messages: charge.messages,
      tokens: charge.tokens,
      cost: charge.cost ?? 0,
    };
    if (charge.messages <= 0 && charge.tokens <= 0) return null;
    const thresholds = this.alerts.thresholds();
    const marks = [];
    for (const l of r.limits) {
      if (!(l.limit > 0) || !(added[l.metric] > 0)) continue;
      for (const t of thresholds)
        marks.push({
          scope: l.scope,
          period_start: l.periodStart,
          metric: l.metric,
          added: added[l.metric],
          mark: thresholdMark(t, l.limit, exhaustsAt(l)),
        });
    }
    return marks.length > 0 ? JSON.stringify(marks) : null;
  }
}
