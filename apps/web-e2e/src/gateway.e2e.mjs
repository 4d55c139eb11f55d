/**
 * Browser tests of the OpenAI-compatible endpoint's pages, against the built
 * API and web app: a user creates an API key restricted to a model, sees it
 * once and copies it, a service uses it on /v1, the user renames and rotates
 * it (the old secret works for the grace period, then not) and lets it expire,
 * the admin finds that request (and a refused one) on the Requests page by
 * name, search and model, opens one, and the user deletes the key, which
 * stops working at once (its requests stay in the log, marked as a deleted
 * key). The pages in English and Russian, checked for accessibility and
 * overflow. Screenshots land where support/stack.mjs says.
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

/** What /v1/models answers to `key`: its status and OpenAI's error, if any. */
async function models(key) {
  const res = await fetch(`${run.stack.baseUrl}/v1/models`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = await res.json();
  return { status: res.status, error: body.error ?? null };
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

  test("an admin's limit on the key is marked, read-only in the key's dialog, and kept when the user saves", async () => {
    const api = async (path, token, body, method = body ? 'POST' : 'GET') => {
      const res = await fetch(`${run.stack.baseUrl}/api${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      return res.json();
    };
    const tokenOf = async ({ email, password }) =>
      (await api('/auth/login', null, { email, password })).access_token;
    const [key] = (await api('/auth/api-keys', await tokenOf(USER))).items;
    const added = await api('/admin/limits', await tokenOf(ADMIN), {
      subject: 'api_key',
      subject_id: key.id,
      metric: 'tokens',
      window: 'week',
      amount: 90000,
    });
    assert.equal(added.set_by, 'admin');

    const { page } = member;
    await page.reload();
    await page.waitForSelector(byTestId('api-key-limit-by-admin'));
    // The key's use so far counts against the admin's new weekly limit.
    const shown = await page
      .locator(`${byTestId('api-key-limits-text')} div`)
      .allTextContents()
      .then((all) => all.map((s) => s.replace(/\s+/g, ' ').trim()));
    assert.equal(shown.length, 2);
    assert.equal(shown[0], '1 of 50 messages a day');
    assert.match(
      shown[1],
      /^[\d,]+ of 90,000 tokens a week Set by an administrator$/,
    );

    await page.click(byTestId('api-key-edit'));
    await waitForDialog(page, 'api-key-dialog');
    assert.equal(
      await text(page.locator(byTestId('api-key-admin-limit'))),
      '90,000 tokens a week',
    );
    assert.equal(await page.locator(byTestId('api-key-limit')).count(), 1);
    await checkPage(page, 'API key edit dialog (en)');
    await page.click(byTestId('api-key-limit-remove'));
    await page.click(byTestId('api-key-create'));
    await page.waitForSelector(byTestId('api-key-dialog'), {
      state: 'detached',
    });
    await page.waitForFunction(
      (sel) => document.querySelectorAll(sel).length === 1,
      `${byTestId('api-key-limits-text')} div`,
    );
    assert.equal(
      await text(page.locator(byTestId('api-key-limits-text'))),
      shown[1],
    );
  });

  test('the user renames the key and rotates it: the old secret works for the grace period, then is refused', async () => {
    const { page } = member;
    await page.click(byTestId('api-key-edit'));
    await waitForDialog(page, 'api-key-dialog');
    await page.fill(byTestId('api-key-name'), 'reports v2');
    await page.click(byTestId('api-key-create'));
    await page.waitForSelector('h2.key-name:has-text("reports v2")');

    const old = secret;
    const limitsBefore = await text(
      page.locator(byTestId('api-key-limits-text')),
    );
    await page.click(byTestId('api-key-rotate'));
    await waitForDialog(page, 'api-key-rotate-dialog');
    await page.click(byTestId('api-key-rotate-grace'));
    await page.click('mat-option:has-text("For 1 hour")');
    await checkPage(page, 'API key rotate dialog (en)');
    await page.click(byTestId('api-key-rotate-confirm'));
    await page.waitForSelector(byTestId('api-key-created'));
    const rotated = await text(page.locator(byTestId('api-key-secret')));
    assert.match(rotated, /^tly_/);
    assert.notEqual(rotated, old);
    assert.match(
      await text(page.locator(byTestId('api-key-secret-note'))),
      /^The old secret keeps working until /,
    );
    await page.click(byTestId('api-key-done'));
    await page.waitForSelector(byTestId('api-key-created'), {
      state: 'detached',
    });
    await page.waitForSelector(
      `${byTestId('api-key-prefix')}:has-text("${rotated.slice(0, 12)}")`,
    );
    // The same key: its use and limits stay.
    assert.equal(
      await text(page.locator(byTestId('api-key-limits-text'))),
      limitsBefore,
    );

    assert.equal((await models(old)).status, 200);
    assert.equal((await models(rotated)).status, 200);
    // The hour has passed (as stored): the old secret is refused, the new one works.
    await run.stack.sql(
      `UPDATE api_keys SET previous_expires_at = now() WHERE previous_hash IS NOT NULL`,
    );
    const refused = await models(old);
    assert.equal(refused.status, 401);
    assert.equal(refused.error.code, 'invalid_api_key');
    assert.equal((await models(rotated)).status, 200);
    secret = rotated;
  });

  test('the user sets an expiry: the key is refused from then on and marked Expired, until the expiry is lifted', async () => {
    const { page } = member;
    await page.click(byTestId('api-key-edit'));
    await waitForDialog(page, 'api-key-dialog');
    await page.click(byTestId('api-key-expires'));
    await page.click('mat-option:has-text("At a date and time")');
    // A few seconds ahead, in the browser's local time, as a user types it.
    const soon = await page.evaluate(() => {
      const d = new Date(Date.now() + 8000);
      const p = (n) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    });
    await page.fill(byTestId('api-key-expires-at'), soon);
    await checkPage(page, 'API key dialog with an expiry (en)');
    await page.click(byTestId('api-key-create'));
    await page.waitForSelector(byTestId('api-key-dialog'), {
      state: 'detached',
    });
    assert.equal((await models(secret)).status, 200);

    // Refused once the time comes: polled on the answer, not timed.
    let answer = await models(secret);
    for (let i = 0; i < 120 && answer.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      answer = await models(secret);
    }
    assert.equal(answer.status, 401);
    assert.equal(answer.error.code, 'invalid_api_key');
    assert.equal(answer.error.message, 'API key expired');

    await page.reload();
    await page.waitForSelector(byTestId('api-key-expired'));
    assert.equal(
      await text(page.locator(byTestId('api-key-expired'))),
      'Expired',
    );
    const color = await page
      .locator(byTestId('api-key-expires-text'))
      .evaluate((el) => getComputedStyle(el).color);
    const [r, g, b] = color.match(/\d+/g).map(Number);
    assert.ok(r > g + 60 && r > b + 60, `expired in red, not ${color}`);
    await checkPageAtWidths(page, 'API keys with an expired key (en)');

    await page.click(byTestId('api-key-edit'));
    await waitForDialog(page, 'api-key-dialog');
    await page.click(byTestId('api-key-expires'));
    await page.click('mat-option:has-text("Never")');
    await page.click(byTestId('api-key-create'));
    await page.waitForSelector(byTestId('api-key-expired'), {
      state: 'detached',
    });
    assert.equal(
      await text(page.locator(byTestId('api-key-expires-text'))),
      'Never',
    );
    assert.equal((await models(secret)).status, 200);
  });

  test('the admin finds the requests on the Requests page by name, search and model, and opens one', async () => {
    // One request of the admin's own, with the access token of a login.
    const login = await fetch(`${run.stack.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    assert.equal(
      (await complete((await login.json()).access_token)).status,
      200,
    );

    const { page } = admin;
    await openAdmin(page, 'requests');
    const all = async (testId) =>
      page
        .locator(byTestId(testId))
        .allTextContents()
        .then((texts) => texts.map((s) => s.replace(/\s+/g, ' ').trim()));
    const rowCount = (n) =>
      page.waitForFunction(
        ([sel, n]) => document.querySelectorAll(sel).length === n,
        [byTestId('request-row'), n],
      );
    await rowCount(3);
    assert.deepEqual(await all('request-status'), [
      'Complete',
      'Refused Unknown model',
      'Complete',
    ]);
    const users = await all('request-user');
    assert.deepEqual(users.slice(1), [
      `${USER.name} ${USER.email}`,
      `${USER.name} ${USER.email}`,
    ]);
    assert.match(users[0], new RegExp(ADMIN.email.replace('.', '\\.')));
    // The key's name as it is now (renamed above).
    assert.deepEqual(await all('request-key'), [
      'login',
      'reports v2',
      'reports v2',
    ]);
    for (const time of await all('request-open')) {
      assert.match(time, /\d{1,2}:\d{2}:\d{2}/, 'times show seconds');
    }

    await page.fill(byTestId('requests-search'), 'REPORTS');
    await rowCount(2);
    assert.deepEqual(await all('request-key'), ['reports v2', 'reports v2']);
    await page.click(byTestId('requests-model'));
    await page.click('mat-option:has-text("(local)")');
    await rowCount(1);
    assert.equal(
      await text(page.locator(byTestId('request-status'))),
      'Complete',
    );

    await page.click(byTestId('request-open'));
    await waitForDialog(page, 'request-dialog');
    const detail = await text(page.locator(byTestId('request-detail')));
    assert.match(detail, /Gateway User/);
    assert.match(detail, /gateway-user@example\.com/);
    assert.match(
      await text(page.locator(byTestId('request-detail-key'))),
      /^reports v2 [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    await checkPage(page, 'request detail (en)');
    await page.keyboard.press('Escape');
    await page.waitForSelector(byTestId('request-detail'), {
      state: 'detached',
    });
    await checkPageAtWidths(page, 'requests (en)');
    await page.screenshot({ path: shot('admin-requests'), fullPage: true });

    await chooseLanguage(page, 'ru');
    await page.waitForSelector('h1:has-text("Запросы")');
    assert.equal(
      await text(page.locator(byTestId('request-status'))),
      'Выполнен',
    );
    await page.click(byTestId('requests-clear'));
    await rowCount(3);
    assert.deepEqual(await all('request-status'), [
      'Выполнен',
      'Отклонён Неизвестная модель',
      'Выполнен',
    ]);
    // A user clicked in a row narrows the log to that user.
    await page.locator(byTestId('request-user-filter')).nth(1).click();
    await rowCount(2);
    assert.equal(
      await text(page.locator(byTestId('requests-chosen-user'))),
      `Пользователь: ${USER.name} (${USER.email}) ×`,
    );
    await page.locator(byTestId('request-open')).first().click();
    await waitForDialog(page, 'request-dialog');
    assert.equal(
      await text(page.locator(byTestId('request-detail-reason'))),
      'Неизвестная модель model_not_found',
    );
    await checkPage(page, 'request detail (ru)');
    await page.keyboard.press('Escape');
    await page.waitForSelector(byTestId('request-detail'), {
      state: 'detached',
    });
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

  test("the request log keeps a deleted key's requests, marked as such", async () => {
    const { page } = admin;
    await openAdmin(page, 'requests');
    await page.fill(byTestId('requests-search'), USER.email);
    // Both of the user's requests were made with the key deleted since.
    await page.waitForFunction(
      (sel) =>
        [...document.querySelectorAll(sel)]
          .map((el) => el.textContent.trim())
          .join('|') === 'deleted key|deleted key',
      byTestId('request-key'),
    );
    const keys = await page
      .locator(byTestId('request-key'))
      .allTextContents()
      .then((all) => all.map((s) => s.trim()));
    assert.deepEqual(keys, ['deleted key', 'deleted key']);
  });
});
