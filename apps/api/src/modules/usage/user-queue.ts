import { Injectable } from '@nestjs/common';

/**
 * Runs the statements that lock one user's counters (an admission, a
 * settle) one at a time per user in this process. They would queue on the
 * counter rows in PostgreSQL anyway (the check-and-charge is exact because
 * of it); queueing them here instead spares the database the lock waits,
 * wake-ups and re-checks of up to one backend per concurrent send, which
 * cost it about twice the CPU per send under 10 concurrent sends of one
 * user. Other processes' statements still queue on the rows.
 */
@Injectable()
export class UserQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` once every earlier `work` of `key` has ended (however it ended). */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key);
    const result = before ? before.then(work, work) : work();
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
