/**
 * Browser tests of the OpenAI-compatible endpoint's pages, against the built
 * API and web app: a user creates an API key restricted to a model, sees it
 * once and copies it, a service uses it on /v1, the admin finds that request
 * (and a refused one) on the Requests page, and the user deletes the key,
 * which stops working at once. The pages in English and Russian, checked for
 * accessibility and overflow. Screenshots land in docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPage, checkPageAtWidths } from './support/checks.mjs';
import {
  byTestId,
  chooseLanguage,
  createUser,
  login,
  openAdmin,
  shot,
  waitForDialog,
} from './support/pages.mjs';
import { stackWithPages } from './support/sessions.mjs';
import { ADMIN } from './support/stack.mjs';

const USER = {
  email: 'gateway-user@example.com',
  password: 'password-gateway-1',
  name: 'Gateway User',
};

const text = async (locator) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** The key the user created, as the dialog showed it. */
let secret;

/** One completion on /v1 with `key`, as a service would send it. */
function complete(key, model = 'local') {
  return fetch(`${run.stack.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: 'Hello from a service' }],
    }),
  });
}

async function openApiKeys(page) {
  await page.click(byTestId('nav-api-keys'));
  await page.waitForURL(/\/account\/api-keys$/);
  await page.waitForSelector(byTestId('api-keys-list'), { state: 'attached' });
}

const run = stackWithPages(
  'gateway',
  { admin: 'admin', member: 'user' },
  {
    ready: ({ member }) =>
      member.context.grantPermissions(['clipboard-read', 'clipboard-write']),
  },
);
const { admin, member } = run;

describe('API keys and the request log', { timeout: 600_000 }, () => {
  test('a user creates a key restricted to a model, sees it once and copies it', async () => {
    await login(admin.page, ADMIN);
    await createUser(admin.page, USER);

    const { page } = member;
    await login(page, USER);
    await openApiKeys(page);
    await page.waitForSelector(byTestId('api-keys-none'));
    await checkPage(page, 'API keys, none (en)');

    await page.click(byTestId('api-key-new'));
    await waitForDialog(page, 'api-key-dialog');
    await page.fill(byTestId('api-key-name'), 'reports');
    await page.click(byTestId('api-key-models'));
    await page.click('mat-option:has-text("(local)")');
    await page.keyboard.press('Escape');
    await page.click(byTestId('api-key-add-limit'));
    await page.fill(byTestId('api-key-limit-amount'), '50');
    await checkPage(page, 'API key dialog (en)');
    await page.click(byTestId('api-key-create'));

    await page.waitForSelector(byTestId('api-key-created'));
    secret = await text(page.locator(byTestId('api-key-secret')));
    assert.match(secret, /^tly_[A-Za-z0-9_-]{40,}$/);
    await page.click(byTestId('api-key-copy'));
    await page.waitForSelector(byTestId('api-key-copied'));
    assert.equal(
      await page.evaluate(() => navigator.clipboard.readText()),
      secret,
    );
    await checkPage(page, 'API key shown once (en)');
    await page.click(byTestId('api-key-done'));
    await page.waitForSelector(byTestId('api-key-created'), {
      state: 'detached',
    });

    const item = page.locator(byTestId('api-key-item'));
    await item.waitFor();
    assert.equal(await text(item.locator('h2')), 'reports');
    assert.equal(
      await text(item.locator(byTestId('api-key-models-text'))),
      'local',
    );
    assert.ok(
      !(await page.content()).includes(secret),
      'the key is not on the page once the dialog is closed',
    );
  });

  test('a service uses the key on /v1, held to its model', async () => {
    const ok = await complete(secret);
    assert.equal(ok.status, 200);
    const body = await ok.json();
    assert.equal(body.object, 'chat.completion');
    assert.ok(body.usage.total_tokens > 0);

    const other = await complete(secret, 'no-such-model');
    assert.equal(other.status, 404);
    assert.equal((await other.json()).error.code, 'model_not_found');

    const { page } = member;
    await page.reload();
    await page.waitForSelector(byTestId('api-key-item'));
    assert.equal(
      await text(page.locator(byTestId('api-key-limits-text'))),
      '1 of 50 messages a day',
    );
    await checkPageAtWidths(page, 'API keys (en)');
    await page.screenshot({ path: shot('api-keys'), fullPage: true });
  });

  test('the admin finds the requests on the Requests page, filtered by model', async () => {
    const { page } = admin;
    await openAdmin(page, 'requests');
    const rows = page.locator(byTestId('request-row'));
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    assert.deepEqual(
      await page
        .locator(byTestId('request-status'))
        .allTextContents()
        .then((all) => all.map((s) => s.replace(/\s+/g, ' ').trim())),
      ['Refused Model not found', 'Complete'],
    );

    await page.click(byTestId('requests-model'));
    await page.click('mat-option:has-text("(local)")');
    await page.waitForFunction(
      (sel) => document.querySelectorAll(sel).length === 1,
      byTestId('request-row'),
    );
    assert.equal(
      await text(page.locator(byTestId('request-status'))),
      'Complete',
    );
    await checkPageAtWidths(page, 'requests (en)');
    await page.screenshot({ path: shot('admin-requests'), fullPage: true });

    await chooseLanguage(page, 'ru');
    await page.waitForSelector('h1:has-text("Запросы")');
    assert.equal(
      await text(page.locator(byTestId('request-status'))),
      'Выполнен',
    );
    await checkPageAtWidths(page, 'requests (ru)');
    await page.screenshot({ path: shot('admin-requests-ru'), fullPage: true });
    await chooseLanguage(page, 'en');
  });

  test('in Russian, then the user deletes the key and it stops working at once', async () => {
    const { page } = member;
    await chooseLanguage(page, 'ru');
    await page.waitForSelector('h1:has-text("API-ключи")');
    assert.equal(
      await text(page.locator(byTestId('api-key-models-text'))),
      'local',
    );
    await checkPageAtWidths(page, 'API keys (ru)');
    await page.screenshot({ path: shot('api-keys-ru'), fullPage: true });
    await page.click(byTestId('api-key-new'));
    await waitForDialog(page, 'api-key-dialog');
    await page.fill(byTestId('api-key-name'), 'отчёты');
    await page.click(byTestId('api-key-add-limit'));
    await page.fill(byTestId('api-key-limit-amount'), '10');
    await checkPage(page, 'API key dialog (ru)');
    await page.keyboard.press('Escape');
    await page.waitForSelector(byTestId('api-key-dialog'), {
      state: 'detached',
    });
    await chooseLanguage(page, 'en');

    await page.click(byTestId('api-key-delete'));
    await page.click(byTestId('confirm-ok'));
    await page.waitForSelector(byTestId('api-keys-none'));
    assert.equal((await complete(secret)).status, 401);
  });
});
