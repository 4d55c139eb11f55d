/**
 * Browser tests of limits from the admin's side, against the built API and
 * web app: the admin makes a group with a member, gives it a limit per
 * member and a shared budget, adds a weekly limit for one user on the Limits
 * page (a second one like it and deleting an everyone daily limit are
 * refused, in words), grants that user more for today in the user dialog,
 * and sees the pages in Russian. What the user then sees of her limits is
 * limits-usage.e2e.mjs. Screenshots land where support/stack.mjs says (SCREENSHOTS).
 *
 * Where the API has no admin endpoints for groups, limits and grants yet
 * (404), the admin's tests are skipped and say so.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPageAtWidths } from './support/checks.mjs';
import { ANN, WEEK, seedLimits, status } from './support/limits.mjs';
import {
  byTestId,
  chooseLanguage,
  createUser,
  login,
  openAdmin,
  waitForDialog,
  shot,
  text,
} from './support/pages.mjs';
import { stackWithPages } from './support/sessions.mjs';
import { ADMIN } from './support/stack.mjs';

/** The row of Ann's weekly limit on a limit table. */
const ANN_WEEK_ROW = `tr[data-limit^="Ann"][data-limit$=": ${WEEK} messages a week"]`;

const run = stackWithPages('limits', { admin: 'admin' });
const { admin } = run;
/** Whether the API has the admin endpoints of groups, limits and grants. */
let adminApi = false;
const NO_ADMIN_API =
  'the API has no /api/admin/groups yet: the group, limits and grant were written into the database';

/** Picks the option of a Material select whose text is `label`. */
async function choose(page, testId, label) {
  await page.click(byTestId(testId));
  await page.click(`mat-option:has-text("${label}")`);
  await page.waitForSelector('mat-option', { state: 'detached' });
}

/** Types into a search picker and picks the option that says `label`. */
async function pick(page, testId, search, label) {
  await page.fill(byTestId(testId), search);
  await page.click(`mat-option[data-option-id]:has-text("${label}")`);
}

/** The sentences of the limit table on the page, in order. */
async function sentences(page) {
  return (await page.locator(byTestId('cell-limit')).allTextContents()).map(
    (s) => s.trim(),
  );
}

async function waitForSentence(page, sentence) {
  await page.waitForSelector(`tr[data-limit="${sentence}"]`);
}

describe('limits', { timeout: 600_000 }, () => {
  test('the admin creates the user, and the API says what it has', async () => {
    const { page } = admin;
    await login(page, ADMIN);
    await createUser(page, ANN);
    adminApi = (await status(page, '/api/admin/groups')) !== 404;
    if (!adminApi) {
      await seedLimits(run.stack);
    }
  });

  test('the admin makes a group with a member, a limit per member and a shared budget', async (t) => {
    if (!adminApi) {
      t.skip(NO_ADMIN_API);
      return;
    }
    const { page } = admin;

    await openAdmin(page, 'groups');
    await page.click(byTestId('create-group'));
    await waitForDialog(page, 'group-dialog');
    await page.fill(byTestId('group-name'), 'Research');
    await page.fill(byTestId('group-description'), 'The lab');
    await page.click(byTestId('group-save'));
    await page.waitForSelector(byTestId('group-dialog'), { state: 'detached' });

    // A second group of the same name, in other letters, is refused in words.
    await page.click(byTestId('create-group'));
    await waitForDialog(page, 'group-dialog');
    await page.fill(byTestId('group-name'), 'RESEARCH');
    await page.click(byTestId('group-save'));
    assert.equal(
      await text(page.locator(byTestId('group-dialog-error'))),
      'A group with this name already exists.',
    );
    await page.keyboard.press('Escape');
    await page.waitForSelector(byTestId('group-dialog'), { state: 'detached' });

    const row = page.locator('tr[data-group="Research"]');
    await row.waitFor();
    assert.equal(await text(row.locator(byTestId('cell-members'))), '0');
    await checkPageAtWidths(page, 'groups (en)');
    await page.screenshot({ path: shot('admin-groups'), fullPage: true });

    await row.locator(byTestId('group-link')).click();
    await page.waitForSelector(byTestId('group-title'));
    await pick(
      page,
      'member-picker',
      'ann-limits',
      'Ann (ann-limits@example.com)',
    );
    await page.waitForSelector(`tr[data-email="${ANN.email}"]`);
    assert.equal(
      await text(page.locator(byTestId('members-count'))),
      '1 member',
    );

    await page.click(byTestId('add-group-limit'));
    await waitForDialog(page, 'limit-dialog');
    await page.fill(byTestId('limit-amount'), '50');
    assert.equal(
      await text(page.locator(byTestId('limit-preview'))),
      'each member of Research: 50 messages a day',
    );
    await page.click(byTestId('limit-save'));
    await page.waitForSelector(byTestId('limit-dialog'), { state: 'detached' });
    await waitForSentence(page, 'each member of Research: 50 messages a day');

    await page.click(byTestId('add-group-limit'));
    await waitForDialog(page, 'limit-dialog');
    await choose(page, 'limit-metric', 'Spending (US dollars)');
    await choose(page, 'limit-window', 'Month');
    await page.click(`${byTestId('limit-shared')} label`);
    await page.fill(byTestId('limit-amount'), '200');
    assert.equal(
      await text(page.locator(byTestId('limit-preview'))),
      'Research together: $200 a month',
    );
    await page.click(byTestId('limit-save'));
    await page.waitForSelector(byTestId('limit-dialog'), { state: 'detached' });
    await waitForSentence(page, 'Research together: $200 a month');
    const pool = page.locator(
      'tr[data-limit="Research together: $200 a month"]',
    );
    assert.match(
      await text(pool.locator(byTestId('cell-use'))),
      /^\$0 of \$200/,
    );

    await checkPageAtWidths(page, 'group (en)');
    await page.screenshot({ path: shot('admin-group'), fullPage: true });
  });

  test('the Limits page lists every limit in words, adds one for a user, and refuses what it must, in words', async (t) => {
    if (!adminApi) {
      t.skip(NO_ADMIN_API);
      return;
    }
    const { page } = admin;
    await openAdmin(page, 'limits');
    await waitForSentence(page, 'everyone: 100 messages a day');
    const all = await sentences(page);
    for (const sentence of [
      'everyone: 100 messages a day',
      'everyone: 500,000 tokens a day',
      'each member of Research: 50 messages a day',
      'Research together: $200 a month',
    ]) {
      assert.ok(all.includes(sentence), `${sentence} in ${all.join(' | ')}`);
    }

    await page.click(byTestId('create-limit'));
    await waitForDialog(page, 'limit-dialog');
    await choose(page, 'limit-subject', 'A user');
    await pick(
      page,
      'limit-user-picker',
      'ann-limits',
      'Ann (ann-limits@example.com)',
    );
    await choose(page, 'limit-window', 'Week (from Monday)');
    await page.fill(byTestId('limit-amount'), String(WEEK));
    assert.equal(
      await text(page.locator(byTestId('limit-preview'))),
      `Ann (ann-limits@example.com): ${WEEK} messages a week`,
    );
    await page.click(byTestId('limit-save'));
    await page.waitForSelector(byTestId('limit-dialog'), { state: 'detached' });
    // The table names the user as the API does (her name, or her address).
    await page.waitForSelector(ANN_WEEK_ROW);

    // The same kind of limit for the same subject again: LIMIT_EXISTS.
    await page.click(byTestId('create-limit'));
    await waitForDialog(page, 'limit-dialog');
    await page.fill(byTestId('limit-amount'), '7');
    await page.click(byTestId('limit-save'));
    assert.equal(
      await text(page.locator(byTestId('limit-dialog-error'))),
      'Such a limit already exists for this subject, window and model. Change its amount instead.',
    );
    await page.keyboard.press('Escape');
    await page.waitForSelector(byTestId('limit-dialog'), { state: 'detached' });

    // An everyone daily limit cannot go: LIMIT_REQUIRED.
    const everyone = page.locator(
      'tr[data-limit="everyone: 100 messages a day"]',
    );
    await everyone.locator(byTestId('delete-limit')).click();
    await page.click(byTestId('confirm-ok'));
    assert.equal(
      await text(page.locator(byTestId('limits-notice'))),
      'The two daily limits for everyone (messages and tokens) cannot be deleted. Change their amount instead.',
    );

    // Filtered to groups: only the group's two.
    await choose(page, 'limits-filter', 'A group');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid="cell-limit"]').length === 2,
    );
    assert.deepEqual(await sentences(page), [
      'each member of Research: 50 messages a day',
      'Research together: $200 a month',
    ]);
    await choose(page, 'limits-filter', 'Everyone, groups and users');
    await page.waitForSelector(ANN_WEEK_ROW);

    await checkPageAtWidths(page, 'limits (en)');
    await page.screenshot({ path: shot('admin-limits'), fullPage: true });
  });

  test('the user dialog shows the groups, own limits and grants; a grant raises today’s messages', async (t) => {
    if (!adminApi) {
      t.skip(NO_ADMIN_API);
      return;
    }
    const { page } = admin;
    await openAdmin(page, 'users');
    await page.fill(byTestId('users-search'), ANN.email);
    const row = page.locator(`tr[data-email="${ANN.email}"]`);
    await row.waitFor();
    assert.equal(await text(row.locator(byTestId('cell-groups'))), 'Research');
    await row.locator(byTestId('edit-user')).click();
    await waitForDialog(page);
    await page.click(byTestId('user-limits-toggle'));
    await page.waitForSelector(byTestId('user-groups'));
    assert.equal(
      await text(page.locator(byTestId('user-groups'))),
      'Groups: Research',
    );
    await page.waitForSelector(
      `[data-testid="user-limits-panel"] ${ANN_WEEK_ROW}`,
    );

    // Nothing personal limits this user's tokens per month: NO_SUCH_LIMIT.
    await choose(page, 'grant-metric', 'Tokens');
    await choose(page, 'grant-window', 'this month');
    await page.fill(byTestId('grant-amount'), '1000');
    await page.click(byTestId('grant-add'));
    assert.equal(
      await text(page.locator(byTestId('grant-error'))),
      'No limit of this kind applies to this user, so there is nothing to raise. Add the limit first.',
    );

    await choose(page, 'grant-metric', 'Messages');
    await choose(page, 'grant-window', 'today');
    await page.fill(byTestId('grant-amount'), '10');
    await page.fill(byTestId('grant-note'), 'Demo day');
    await page.click(byTestId('grant-add'));
    await page.waitForSelector(
      `${byTestId('grant-text')}:has-text("+10 messages today")`,
    );
    await page.screenshot({ path: shot('admin-user-limits') });
    await page.click('mat-dialog-actions button:not([type="submit"])');
    await page.waitForSelector(byTestId('user-dialog'), { state: 'detached' });
  });

  test('the admin pages of groups and limits in Russian', async (t) => {
    if (!adminApi) {
      t.skip(NO_ADMIN_API);
      return;
    }
    const { page } = admin;
    await chooseLanguage(page, 'ru');
    await openAdmin(page, 'limits');
    await waitForSentence(
      page,
      'каждый участник группы Research: 50 сообщений в день',
    );
    const all = await sentences(page);
    assert.ok(
      all.includes('группа Research вместе: 200\u00a0$ в месяц'),
      all.join(' | '),
    );
    assert.ok(all.includes('все: 100 сообщений в день'), all.join(' | '));
    await checkPageAtWidths(page, 'limits (ru)');
    await page.screenshot({ path: shot('admin-limits-ru'), fullPage: true });

    await openAdmin(page, 'groups');
    await page
      .locator('tr[data-group="Research"] [data-testid="group-link"]')
      .click();
    await page.waitForSelector(`tr[data-email="${ANN.email}"]`);
    assert.equal(
      await text(page.locator(byTestId('members-count'))),
      '1 участник',
    );
    await checkPageAtWidths(page, 'group (ru)');
  });
});
