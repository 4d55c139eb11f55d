/**
 * Browser tests of the budget as it is (API.md "v3: honest budget state"),
 * against the built API and web app with the local model priced: Bea's
 * answer is cut where her $5 a month ran out, and the chat says so under
 * it; at $4.995 of $5 (what is left pays for no more send) a reload shows
 * the header red with "$4.99/$5", the banner and the composer shut, and
 * "My usage" shows the limit full; in English and Russian, at 390 and
 * 1280 px.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPageAtWidths } from './support/checks.mjs';
import {
  byTestId,
  chooseLanguage,
  createUser,
  login,
  sendAndWatch,
  shot,
  text,
  waitForQuotaText,
} from './support/pages.mjs';
import { stackWithPages } from './support/sessions.mjs';
import { ADMIN } from './support/stack.mjs';

const BEA = {
  email: 'bea-budget@example.com',
  password: 'password-budget-1',
  name: 'Bea',
};
const bea = `(SELECT id FROM users WHERE email = '${BEA.email}')`;

const run = stackWithPages('budget-state', { admin: 'admin', member: 'user' });
const { admin, member } = run;

/** The cut mark under the last answer: [kind, text], or null. */
async function lastCut(page) {
  const mark = page
    .locator(byTestId('message-assistant'))
    .last()
    .locator(byTestId('message-cut'));
  if ((await mark.count()) === 0) {
    return null;
  }
  return [await mark.getAttribute('data-cut-by'), await text(mark)];
}

/** Sends nothing on its own: counts the sends the page makes. */
function countSends(page) {
  const seen = { sends: 0 };
  page.on('request', (request) => {
    if (request.method() === 'POST' && /\/messages/.test(request.url())) {
      seen.sends++;
    }
  });
  return seen;
}

/** A reload at $4.995 of $5: red header, the banner and a closed composer before any send. */
async function expectShutOnLoad(page, { header, lang }) {
  const seen = countSends(page);
  await page.reload();
  await waitForQuotaText(page, header);
  const badge = page.locator(byTestId('quota-header'));
  assert.equal(await badge.getAttribute('data-level'), 'exceeded');
  await page.locator(byTestId('quota-banner')).waitFor();
  assert.equal(await page.locator(byTestId('composer')).isDisabled(), true);
  assert.equal(seen.sends, 0);
  await checkPageAtWidths(page, `chat at $4.995 of $5 (${lang})`);
}

describe('the budget as it is', { timeout: 600_000 }, () => {
  test("the admin creates Bea; the built-in model is priced and Bea's month is $5 on it", async () => {
    await login(admin.page, ADMIN);
    await createUser(admin.page, BEA);
    // $99,900 per million output tokens: $5 pays for 50 tokens of answer,
    // and one more send needs $0.0999.
    await run.stack.sql(`
      UPDATE ai_models SET output_price = 99900 WHERE id = 'local';
      INSERT INTO limits (subject, subject_id, metric, period, model, amount)
        VALUES ('user', ${bea}, 'cost', 'month', 'local', 5000000);
    `);
  });

  test('an answer cut where the budget ran out is marked under the bubble', async () => {
    const { page } = member;
    await login(page, BEA);
    await sendAndWatch(page, 'Tell me everything about budgets.');
    assert.deepEqual(await lastCut(page), [
      'limit',
      'Cut: your budget ran out',
    ]);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      assert.equal(
        await page
          .locator(byTestId('message-assistant'))
          .last()
          .locator(byTestId('message-cut'))
          .isVisible(),
        true,
        `the mark is seen at ${width} px`,
      );
    }
    await page.screenshot({ path: shot('chat-cut') });
  });

  test('at $4.995 of $5 a reload shows the limit full: red "$4.99/$5", the banner, the composer shut', async () => {
    const { page } = member;
    // Exactly $4.995 used this month: what is left ($0.005) pays for no send.
    await run.stack.sql(`
      UPDATE usage_counters SET cost = 4995000
      WHERE scope = 'u:' || ${bea} || ':month:local';
    `);
    await expectShutOnLoad(page, {
      header: '· $4.99/$5 this month',
      lang: 'en',
    });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: shot('chat-budget-exhausted') });
  });

  test('"My usage" shows the limit full and red, rounded down', async () => {
    const { page } = member;
    await page.click(byTestId('nav-usage'));
    await page.waitForURL(/\/usage$/);
    const card = page.locator('[data-testid="limit-card"][data-metric="cost"]');
    await card.waitFor();
    assert.equal(
      await text(card.locator(byTestId('limit-value'))),
      '$4.99 of $5',
    );
    assert.equal(
      await card.locator('[role="progressbar"]').getAttribute('data-level'),
      'exceeded',
    );
    assert.equal(
      await text(card.locator(byTestId('limit-left'))),
      '<\u00a0$0.01 left',
    );
    await checkPageAtWidths(page, 'my usage at $4.995 of $5 (en)');
  });

  test('the same in Russian', async () => {
    const { page } = member;
    await chooseLanguage(page, 'ru');
    const card = page.locator('[data-testid="limit-card"][data-metric="cost"]');
    await page.waitForFunction(
      (selector) =>
        document
          .querySelector(selector)
          ?.textContent?.includes('4,99\u00a0$ из 5\u00a0$'),
      '[data-testid="limit-card"][data-metric="cost"] [data-testid="limit-value"]',
    );
    assert.equal(
      await text(card.locator(byTestId('limit-left'))),
      'Осталось: <\u00a00,01\u00a0$',
    );
    await checkPageAtWidths(page, 'my usage at $4.995 of $5 (ru)');

    await page.goto('/chats');
    await page
      .locator(`${byTestId('chat-list')} a`)
      .first()
      .click();
    await page.locator(byTestId('message-cut')).first().waitFor();
    assert.deepEqual(await lastCut(page), [
      'limit',
      'Обрезано: закончился бюджет',
    ]);
    await expectShutOnLoad(page, {
      header: '· 4,99\u00a0$/5\u00a0$ в этом месяце',
      lang: 'ru',
    });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: shot('chat-budget-exhausted-ru') });
  });
});
