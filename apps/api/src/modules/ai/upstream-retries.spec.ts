import { AiAbortedError } from './ai-provider.port';
import {
  MAX_RETRIES,
  Retryable,
  retryAfterMs,
  withRetries,
} from './upstream-retries';

/** An attempt that fails with each of `failures` in turn, then answers 'ok'. */
function attempts(failures: Error[]) {
  let calls = 0;
  const attempt = async () => {
    const failure = failures[calls++];
    if (failure) throw failure;
    return 'ok';
  };
  return { attempt, calls: () => calls };
}

const retryable = (after: number | null = null) =>
  new Retryable(new Error('503 from upstream'), after);

describe('upstream retries', () => {
  const signal = new AbortController().signal;

  it('tries a retryable failure again, at most MAX_RETRIES times', async () => {
    const twice = attempts([retryable(), retryable()]);
    await expect(withRetries(twice.attempt, 1, signal)).resolves.toBe('ok');
    expect(twice.calls()).toBe(1 + MAX_RETRIES);

    const thrice = attempts([retryable(), retryable(), retryable()]);
    await expect(withRetries(thrice.attempt, 1, signal)).rejects.toThrow(
      '503 from upstream',
    );
    expect(thrice.calls()).toBe(1 + MAX_RETRIES);
  });

  it('throws any other failure at once', async () => {
    const bad = attempts([new Error('400 from upstream')]);
    await expect(withRetries(bad.attempt, 1, signal)).rejects.toThrow(
      '400 from upstream',
    );
    expect(bad.calls()).toBe(1);
  });

  it('gives up at once when Retry-After asks for more than the budget', async () => {
    const later = attempts([retryable(11_000)]);
    await expect(withRetries(later.attempt, 1, signal)).rejects.toThrow(
      '503 from upstream',
    );
    expect(later.calls()).toBe(1);
  });

  it('ends a wait when the caller goes away', async () => {
    const gone = new AbortController();
    const slow = attempts([retryable(5_000)]);
    const run = withRetries(slow.attempt, 1, gone.signal);
    gone.abort();
    await expect(run).rejects.toBeInstanceOf(AiAbortedError);
    expect(slow.calls()).toBe(1);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-02T10:00:00.000Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Wed, 02 Dec 2026 10:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Wed, 02 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs('', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
