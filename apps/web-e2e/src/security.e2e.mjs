/**
 * The web app under its Content-Security-Policy: the signed-out page, the
 * chat page, an admin page and the OpenAPI UI load and work with no CSP
 * violation in the browser console. `npx nx e2e web-e2e` (after
 * `npx nx run-many -t build`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stackWithPages } from './support/sessions.mjs';
import { ADMIN } from './support/stack.mjs';
import { byTestId, login, newPage, sendAndWatch } from './support/pages.mjs';

const run = stackWithPages('security', {});

/**
 * A page that records every CSP violation, both as the console reports it
 * ("Refused to ...") and as the document's `securitypolicyviolation` events.
 */
async function watchedPage() {
  const opened = await newPage(run.stack.browser, {
    baseUrl: run.stack.baseUrl,
    locale: 'en-US',
  });
  const violations = [];
  opened.page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) {
      violations.push(`console: ${text}`);
    }
  });
  await opened.page.exposeFunction('__cspViolation', (what) =>
    violations.push(`event: ${what}`),
  );
  await opened.page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
      );
    });
  });
  return { ...opened, violations };
}

/** The page's CSP, as the server sent it with the document. */
function policyOf(response) {
  return new Map(
    (response.headers()['content-security-policy'] ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name, values.join(' ')]),
  );
}

describe('Content-Security-Policy', { timeout: 240_000 }, () => {
  let tab;

  before(async () => {
    tab = await watchedPage();
  });
  after(async () => {
    await tab?.context.close();
  });

  test('the signed-out page runs under a CSP that allows only its own scripts', async () => {
    const response = await tab.page.goto('/login');
    const csp = policyOf(response);
    assert.equal(csp.get('script-src'), "'self'");
    assert.equal(csp.get('frame-ancestors'), "'none'");
    assert.equal(response.headers()['x-frame-options'], 'DENY');
    await tab.page.waitForSelector(byTestId('login-email'));
    await tab.page.waitForLoadState('networkidle');
    // The stylesheet was applied (not held back by a blocked loader).
    const font = await tab.page.evaluate(
      () => getComputedStyle(document.body).fontFamily,
    );
    assert.match(font, /system-ui/);
    assert.deepEqual(tab.violations, []);
    assert.deepEqual(tab.errors, []);
  });

  test('the chat and an admin page run with no CSP violation', async () => {
    await login(tab.page, ADMIN);
    const partials = await sendAndWatch(tab.page, 'Hello under a CSP');
    assert.ok(partials.length > 0, 'the answer was not shown as it streamed');
    await tab.page.waitForLoadState('networkidle');
    await tab.page.goto('/admin/usage');
    await tab.page.waitForLoadState('networkidle');
    assert.deepEqual(tab.violations, []);
    assert.deepEqual(tab.errors, []);
  });

  test('an inline script is refused, and the refusal is seen', async () => {
    const ran = await tab.page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.body.append(script);
      return window.__inlineRan === true;
    });
    assert.equal(ran, false);
    await tab.page.waitForFunction(() => true);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(
      tab.violations.some((v) => /script-src/.test(v)),
      `the inline script's violation was not recorded: ${JSON.stringify(tab.violations)}`,
    );
  });

  test('the OpenAPI UI works under the same headers', async () => {
    const docs = await watchedPage();
    try {
      const response = await docs.page.goto('/api/docs');
      assert.equal(policyOf(response).get('script-src'), "'self'");
      await docs.page.waitForSelector('.swagger-ui .opblock', {
        timeout: 30_000,
      });
      const operations = await docs.page.locator('.opblock').count();
      assert.ok(operations > 10, `only ${operations} operations shown`);
      assert.deepEqual(docs.violations, []);
    } finally {
      await docs.context.close();
    }
  });
});
