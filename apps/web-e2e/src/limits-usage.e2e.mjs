/**
 * Browser tests of limits from the user's side, against the built API and
 * web app with the local model: with the group, limits and grant of
 * limits.e2e.mjs written into the database, the user sends until her weekly
 * limit passes 80 %, sees it in the chat header, and finds every limit that
 * applies on "My usage", in English and Russian. Screenshots land in
 * docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPage, checkPageAtWidths } from './support/checks.mjs';
import { ANN, SENDS, WEEK, seedLimits, status } from './support/limits.mjs';
import {
  byTestId,
  chooseLanguage,
  createUser,
  login,
  sendAndWatch,
  waitForQuotaText,
  shot,
  text,
} from './support/pages.mjs';
import { stackWithPages } from './support/sessions.mjs';
import { ADMIN } from './support/stack.mjs';

const run = stackWithPages('limits-usage', { admin: 'admin', member: 'user' });
const { admin, member } = run;
/** Whether the API has the user's own history (`GET /api/usage`). */
let ownHistory = false;

describe('limits as the user sees them', { timeout: 600_000 }, () => {
  test('the admin creates the user; her group, limits and grant are written into the database', async () => {
    const { page } = admin;
    await login(page, ADMIN);
    await createUser(page, ANN);
    ownHistory = (await status(page, '/api/usage')) !== 404;
    await seedLimits(run.stack);
  });

  test('past 80 % of the weekly limit, the chat header adds it to the two daily counts', async () => {
    const { page } = member;
    await login(page, ANN);
    // Research's 50 a day for each member (a group's limit comes before
    // everyone's 100), plus today's grant of 10.
    await waitForQuotaText(page, '0/60 messages');
    for (let i = 1; i <= SENDS; i++) {
      await sendAndWatch(page, `Message ${i} of the week.`);
      await waitForQuotaText(page, `${i}/60 messages`);
    }
    await waitForQuotaText(page, `· ${SENDS}/${WEEK} messages this week`);
    const header = page.locator(byTestId('quota-header'));
    assert.equal(await header.getAttribute('data-level'), 'warn');
    assert.match(
      await text(page.locator(byTestId('quota-text'))),
      new RegExp(
        `^${SENDS}/60 messages · [^·]+ tokens · ${SENDS}/${WEEK} messages this week$`,
      ),
    );
    await page.screenshot({ path: shot('chat-limit-week') });
  });

  test('"My usage" has a bar for every limit that applies, and the last 30 days', async () => {
    const { page } = member;
    await page.click(byTestId('nav-usage'));
    await page.waitForURL(/\/usage$/);
    await page.waitForSelector(byTestId('limit-card'));
    if (ownHistory) {
      await page.waitForSelector(byTestId('history-totals'));
    }
    const cards = async () =>
      page
        .locator(byTestId('limit-card'))
        .evaluateAll((all) =>
          all.map((c) => [
            c.querySelector('[data-testid="limit-title"]')?.textContent?.trim(),
            c.querySelector('[data-testid="limit-value"]')?.textContent?.trim(),
          ]),
        );
    const en = await cards();
    for (const [title, value] of [
      ['Your messages today', `${SENDS} of 60 messages`],
      ['Your messages this week', `${SENDS} of ${WEEK} messages`],
      ['Research together', '$0 of $200 this month'],
    ]) {
      assert.ok(
        en.some(([t, v]) => t === title && v === value),
        `${title}: ${value} in ${JSON.stringify(en)}`,
      );
    }
    const week = page.locator('[data-testid="limit-card"][data-window="week"]');
    assert.equal(
      await text(week.locator(byTestId('limit-left'))),
      '1 message left',
    );
    await page.waitForTimeout(500); // let the chart draw
    await checkPageAtWidths(page, 'my usage (en)');
    await page.screenshot({ path: shot('my-usage'), fullPage: true });

    await chooseLanguage(page, 'ru');
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="limit-title"]')
        ?.textContent?.includes('Ваши'),
    );
    const ru = await cards();
    for (const [title, value] of [
      ['Ваши сообщения сегодня', `${SENDS} из 60 сообщений`],
      ['Ваши сообщения на этой неделе', `${SENDS} из ${WEEK} сообщений`],
      ['Группа Research вместе', '0\u00a0$ из 200\u00a0$ в этом месяце'],
    ]) {
      assert.ok(
        ru.some(([t, v]) => t === title && v === value),
        `${title}: ${value} in ${JSON.stringify(ru)}`,
      );
    }
    await checkPageAtWidths(page, 'my usage (ru)');
    await page.screenshot({ path: shot('my-usage-ru'), fullPage: true });
  });
  test("the admin's usage page counts Ann's grant in her limit, and the group filter narrows the day by model and the chart", async () => {
    const { page } = admin;
    // Someone outside Research uses the same model today.
    await page.goto('/');
    await sendAndWatch(page, 'A message from outside the group.');
    await page.goto('/admin/usage');
    const ann = page.locator(`tr[data-email="${ANN.email}"]`);
    await ann.waitFor();
    // Research's 50 a day plus today's grant of 10, as Ann sees it.
    assert.equal(
      await text(ann.locator(byTestId('cell-messages'))),
      `${SENDS} / 60`,
    );
    const localRow = page.locator(
      `${byTestId('usage-by-model')} tr[data-model="local"] td`,
    );
    const localMessages = () => text(localRow.nth(1));
    await page.waitForFunction(
      (want) =>
        document
          .querySelectorAll(
            '[data-testid="usage-by-model"] tr[data-model="local"] td',
          )[1]
          ?.textContent?.trim() === want,
      String(SENDS + 1),
    );
    const history = page.waitForResponse(
      (r) =>
        r.url().includes('/api/admin/usage/history') &&
        r.url().includes('group_id='),
    );
    await page.click(byTestId('usage-group'));
    await page.click('mat-option:has-text("Research")');
    await page.waitForSelector('mat-option', { state: 'detached' });
    await page.waitForFunction(
      (want) =>
        document
          .querySelectorAll(
            '[data-testid="usage-by-model"] tr[data-model="local"] td',
          )[1]
          ?.textContent?.trim() === want,
      String(SENDS),
    );
    assert.equal(await localMessages(), String(SENDS));
    const days = (await (await history).json()).items;
    assert.equal(days.at(-1).messages, SENDS);
    await checkPage(page, 'usage of one group (en)');
  });
});
