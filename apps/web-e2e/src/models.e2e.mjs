/**
 * Browser tests of models and their prices, against the built API and web
 * app: the admin connects an OpenAI-compatible provider (a fake one on
 * 127.0.0.1) and publishes a priced model; a user picks it in the chat,
 * sends, and sees what the answer cost; the admin sees that cost on the
 * usage page, per user and per model. Then the same pages in Russian.
 * Screenshots land in docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { checkPage, checkPageAtWidths } from './support/checks.mjs';
import { startFakeOpenAi } from './support/fake-openai.mjs';
import {
  byTestId,
  chooseLanguage,
  createUser,
  login,
  openAdmin,
  sendAndWatch,
  shot,
  text,
  usd,
  waitForDialog,
} from './support/pages.mjs';
import { stackWithPages } from './support/sessions.mjs';
import { ADMIN } from './support/stack.mjs';

/** Dollars per million tokens, as the admin types them. */
const PRICE = { input: 2.5, output: 10 };
const KEY = `sk-e2e-${randomBytes(8).toString('hex')}-4321`;
const USER = {
  email: 'models-user@example.com',
  password: 'password-models-1',
  name: 'Model User',
};

let fake;
/** The answer the user got, as the API stored it. */
let answer;

const { admin, member } = stackWithPages(
  'models',
  { admin: 'admin', member: 'user' },
  {
    async setUp() {
      fake = await startFakeOpenAi();
      // The stack's API gets this process's environment: a key to encrypt provider keys with.
      process.env.SECRETS_KEY = randomBytes(32).toString('hex');
    },
    tearDown: () => fake?.close(),
  },
);

describe('models and prices', { timeout: 600_000 }, () => {
  test('the admin adds a connection with a write-only key and tests it; the built-in one is read-only', async () => {
    const { page } = admin;
    await login(page, ADMIN);
    await openAdmin(page, 'connections');
    await page.waitForSelector(byTestId('read-only'));
    const builtIn = page.locator('tr[data-connection]', {
      has: page.locator(byTestId('read-only')),
    });
    assert.equal(
      await text(builtIn.locator(byTestId('read-only'))),
      'Built into Tally',
    );
    assert.equal(await builtIn.locator(byTestId('edit-connection')).count(), 0);

    await page.click(byTestId('create-connection'));
    await waitForDialog(page, 'connection-dialog');
    await page.fill(byTestId('connection-name'), 'Lab');
    await page.fill(byTestId('connection-base-url'), fake.url);
    await page.fill(byTestId('connection-api-key'), KEY);
    await page.click(byTestId('connection-token-parameter'));
    await page.click('mat-option:has-text("max_completion_tokens")');
    await page.click(byTestId('connection-save'));
    await page.waitForSelector(byTestId('connection-dialog'), {
      state: 'detached',
    });

    const row = page.locator('tr[data-connection="Lab"]');
    await row.waitFor();
    assert.equal(
      await text(row.locator(byTestId('cell-api-key'))),
      'ends in 4321',
    );
    assert.ok(
      !(await page.content()).includes(KEY),
      'the key itself is never on the page',
    );

    await row.locator(byTestId('test-connection')).click();
    await page.waitForSelector(byTestId('test-ok'));
    assert.equal(
      await text(page.locator(byTestId('test-ok'))),
      'Connected. The provider offers 2 models:',
    );
    assert.deepEqual(
      await page.locator(`${byTestId('provider-models')} li`).allTextContents(),
      ['fake-mini', 'fake-large'],
    );
    const asked = fake.requests.find((r) => r.path === '/v1/models');
    assert.equal(asked?.headers.authorization, `Bearer ${KEY}`);

    await checkPageAtWidths(page, 'connections (en)');
    await page.screenshot({ path: shot('admin-connections'), fullPage: true });
  });

  test('the admin publishes a priced model; the default model cannot be deleted', async () => {
    const { page } = admin;
    await openAdmin(page, 'models');
    await page.waitForSelector('tr[data-model="local"]');
    await page.click(byTestId('create-model'));
    await waitForDialog(page, 'model-dialog');
    await page.fill(byTestId('model-id'), 'lab-mini');
    await page.fill(byTestId('model-name'), 'Lab Mini');
    await page.click(byTestId('model-connection'));
    await page.click('mat-option[data-connection="Lab"]');
    await page.click(byTestId('model-ask-provider'));
    await page.waitForSelector(
      'mat-hint:has-text("The provider offers 2 models")',
    );
    await page.fill(byTestId('model-upstream'), 'fake-mini');
    await page.click(byTestId('model-name')); // closes the suggestions
    await page.fill(byTestId('model-input-price'), String(PRICE.input));
    await page.fill(byTestId('model-output-price'), String(PRICE.output));
    await page.click(byTestId('model-save'));
    await page.waitForSelector(byTestId('model-dialog'), { state: 'detached' });

    const row = page.locator('tr[data-model="lab-mini"]');
    await row.waitFor();
    assert.equal(
      await text(row.locator(byTestId('cell-price'))),
      '$2.50 in · $10.00 out per 1M tokens',
    );
    const local = page.locator('tr[data-model="local"]');
    assert.equal(
      await text(local.locator(byTestId('default-mark'))),
      'default',
    );
    assert.equal(await text(local.locator(byTestId('cell-price'))), 'Free');

    // The default model's Delete says up front why it cannot be used.
    const del = local.locator(byTestId('delete-model'));
    assert.equal(await del.getAttribute('aria-disabled'), 'true');
    await del.focus();
    await page.keyboard.press('Enter');
    const reason = await del.evaluate(
      (b) =>
        document.getElementById(b.getAttribute('aria-describedby') ?? '')
          ?.textContent,
    );
    assert.equal(
      reason,
      'This is the default model. Make another model the default first.',
    );
    assert.equal(await page.locator(byTestId('confirm-ok')).count(), 0);
    assert.equal(await local.count(), 1, 'the default model is still there');

    await checkPageAtWidths(page, 'models (en)');
    await page.screenshot({ path: shot('admin-models'), fullPage: true });
  });

  test('a user picks the priced model in the chat, sends, and sees what the answer cost', async () => {
    await createUser(admin.page, USER);
    const { page } = member;
    await login(page, USER);
    await page.waitForSelector(byTestId('model-picker-value'));
    const catalog = await page.evaluate(async () => {
      const response = await fetch('/api/models', {
        headers: {
          Authorization: `Bearer ${localStorage.getItem('tally.token')}`,
        },
      });
      return response.json();
    });
    assert.deepEqual(catalog.items.map((m) => m.id).sort(), [
      'lab-mini',
      'local',
    ]);
    const standard = catalog.items.find((m) => m.id === catalog.default_model);
    await page.waitForFunction(
      ([selector, name]) =>
        document.querySelector(selector)?.textContent?.trim() === name,
      [byTestId('model-picker-value'), standard.name],
    );

    await page.click(byTestId('model-picker'));
    const option = page.locator('mat-option[data-model="lab-mini"]');
    await option.waitFor();
    assert.equal(
      await text(option.locator(byTestId('model-price'))),
      '$2.50 in · $10.00 out per 1M tokens',
    );
    assert.equal(
      await text(
        page.locator(
          `mat-option[data-model="local"] ${byTestId('model-price')}`,
        ),
      ),
      'Free',
    );
    await page.screenshot({ path: shot('chat-model-picker') });
    const quotaAsked = page.waitForRequest((r) =>
      r.url().endsWith('/api/chats/quota?model=lab-mini'),
    );
    await option.click();
    await quotaAsked;

    await sendAndWatch(page, 'How much does a token cost?');
    const sent = fake.completions().at(-1)?.body;
    assert.equal(sent?.model, 'fake-mini', 'the upstream name goes upstream');
    assert.equal(typeof sent?.max_completion_tokens, 'number');
    assert.equal(sent?.max_tokens, undefined);

    const chatId = page.url().split('/').at(-1);
    const chat = await page.evaluate(async (id) => {
      const response = await fetch(`/api/chats/${id}`, {
        headers: {
          Authorization: `Bearer ${localStorage.getItem('tally.token')}`,
        },
      });
      return response.json();
    }, chatId);
    assert.equal(chat.model, 'lab-mini', 'the chat was created with the pick');
    answer = chat.messages.at(-1);
    assert.equal(answer.model, 'lab-mini');
    assert.equal(
      answer.cost,
      Math.ceil(
        answer.prompt_tokens * PRICE.input +
          answer.completion_tokens * PRICE.output,
      ),
    );
    assert.ok(answer.cost > 0);
    const shown = page.locator(byTestId('message-assistant')).last();
    assert.equal(
      await text(shown.locator(byTestId('message-cost'))),
      `Cost: ${usd('en', answer.cost)}`,
    );
    assert.equal(
      await text(shown.locator(byTestId('message-model'))),
      'Lab Mini',
    );

    await checkPageAtWidths(page, 'chat with a priced answer (en)');
    await page.screenshot({ path: shot('chat-cost') });
  });

  test('the admin sees the cost per user, in the totals and by model', async () => {
    const { page } = admin;
    await openAdmin(page, 'usage');
    await page.fill(byTestId('usage-search'), USER.email);
    const row = page.locator(`tr[data-email="${USER.email}"]`);
    await row.waitFor();
    const cost = usd('en', answer.cost);
    assert.equal(await text(row.locator(byTestId('cell-cost'))), cost);
    assert.equal(await text(page.locator(byTestId('total-cost'))), cost);
    const byModel = page.locator(
      `${byTestId('usage-by-model')} tr[data-model="lab-mini"]`,
    );
    await byModel.waitFor();
    assert.equal(await text(byModel.locator(byTestId('model-cost'))), cost);

    await page.fill(byTestId('usage-search'), '');
    await checkPage(page, 'usage with cost (en)');
    await page.screenshot({ path: shot('admin-usage-cost'), fullPage: true });
  });

  test('the same pages in Russian', async () => {
    const { page } = admin;
    await chooseLanguage(page, 'ru');
    const byModel = page.locator(
      `${byTestId('usage-by-model')} tr[data-model="lab-mini"]`,
    );
    await page.waitForFunction(
      ([selector, want]) =>
        document.querySelector(selector)?.textContent?.trim() === want,
      [
        `${byTestId('usage-by-model')} tr[data-model="lab-mini"] ${byTestId('model-cost')}`,
        usd('ru', answer.cost),
      ],
    );
    assert.equal(
      await text(byModel.locator(byTestId('model-cost'))),
      usd('ru', answer.cost),
    );
    await checkPage(page, 'usage with cost (ru)');
    await page.screenshot({
      path: shot('admin-usage-cost-ru'),
      fullPage: true,
    });

    for (const section of ['models', 'connections']) {
      await openAdmin(page, section);
      await page.waitForSelector(
        section === 'models'
          ? 'tr[data-model="lab-mini"]'
          : 'tr[data-connection="Lab"]',
      );
      await checkPage(page, `${section} (ru)`);
      await page.screenshot({
        path: shot(`admin-${section}-ru`),
        fullPage: true,
      });
    }
    assert.equal(
      await text(
        page.locator(`tr[data-connection="Lab"] ${byTestId('cell-api-key')}`),
      ),
      'оканчивается на 4321',
    );

    const chat = member.page;
    await chooseLanguage(chat, 'ru');
    const cost = chat
      .locator(byTestId('message-assistant'))
      .last()
      .locator(byTestId('message-cost'));
    await chat.waitForFunction(
      ([selector, want]) =>
        [...document.querySelectorAll(selector)].at(-1)?.textContent?.trim() ===
        want,
      [byTestId('message-cost'), `Стоимость: ${usd('ru', answer.cost)}`],
    );
    assert.equal(await text(cost), `Стоимость: ${usd('ru', answer.cost)}`);
    await checkPage(chat, 'chat with a priced answer (ru)');
    await chat.screenshot({ path: shot('chat-cost-ru') });
  });
});
