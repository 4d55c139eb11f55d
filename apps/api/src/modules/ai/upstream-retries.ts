import { AiAbortedError } from './ai-provider.port';

/** Retries of a request that failed before its first byte. */
export const MAX_RETRIES = 2;
/** All waits between retries together, `Retry-After` included, at most. */
export const RETRY_BUDGET_MS = 10000;

/** A failure before the first byte that is worth another try: refused, 429, 5xx. */
export class Retryable extends Error {
  constructor(
    readonly failure: Error,
    readonly retryAfterMs: number | null,
  ) {
    super(failure.message);
  }
}

/** `Retry-After`: seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(
  value: string | null,
  now = Date.now(),
): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Runs `attempt` until it succeeds. A `Retryable` failure is tried again up
 * to MAX_RETRIES times, after the provider's `Retry-After` or else a wait
 * that starts at `firstDelayMs` and doubles, all waits together within
 * RETRY_BUDGET_MS; past that its failure is thrown. Any other error is
 * thrown at once, and an abort of `signal` ends a wait.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  firstDelayMs: number,
  signal: AbortSignal,
): Promise<T> {
  let waited = 0;
  let delay = firstDelayMs;
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      const wait = err.retryAfterMs ?? delay;
      if (retry >= MAX_RETRIES || waited + wait > RETRY_BUDGET_MS)
        throw err.failure;
      waited += wait;
      delay *= 2;
      await pause(wait, signal);
      if (signal.aborted) throw new AiAbortedError();
    }
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
