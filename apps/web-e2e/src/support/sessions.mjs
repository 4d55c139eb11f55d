/**
 * A test file's stack and its signed-out browser pages (English), if any:
 *
 * ```js
 * const run = stackWithPages('limits', { admin: 'admin', member: 'user' });
 * const { admin, member } = run; // filled in before the first test
 * const run = stackWithPages('tally', {}); // the stack alone: run.stack
 * ```
 *
 * Before the file's tests: `setUp` (a fake provider, an environment
 * variable the API must see), then the stack starts (`run.stack`), each page
 * opens, and `ready(run)`. After them: each page's last picture is kept in
 * tmp/web-e2e (`last-limits-admin.png`, `last-limits-user.png`), the pages
 * close, the stack stops, and `tearDown`. In one hook each: a file's own
 * top-level `before` hooks are not run one after the other.
 */
import { join } from 'node:path';
import { after, before } from 'node:test';
import { newPage } from './pages.mjs';
import { ARTIFACTS, startStack } from './stack.mjs';

export function stackWithPages(file, pages, { setUp, ready, tearDown } = {}) {
  const run = { stack: null };
  for (const key of Object.keys(pages)) {
    run[key] = {};
  }
  before(
    async () => {
      await setUp?.();
      run.stack = await startStack();
      for (const key of Object.keys(pages)) {
        Object.assign(
          run[key],
          await newPage(run.stack.browser, {
            baseUrl: run.stack.baseUrl,
            locale: 'en-US',
          }),
        );
      }
      await ready?.(run);
    },
    { timeout: 180_000 },
  );
  after(async () => {
    for (const [key, name] of Object.entries(pages)) {
      const session = run[key];
      if (session.context) {
        await session.page
          .screenshot({ path: join(ARTIFACTS, `last-${file}-${name}.png`) })
          .catch(() => undefined);
        await session.context.close();
      }
    }
    await run.stack?.stop();
    await tearDown?.();
  });
  return run;
}
