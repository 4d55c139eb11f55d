/**
 * Russian on a phone and on a desktop, against the built API and web app:
 * the chat header's quota chip fits a 390 px screen (a shorter form, the
 * whole sentence kept for screen readers) and the closed composer's
 * placeholder is not cut; the admin's tables are cards on a phone and break
 * no word in the middle at 1280 px; and the admin pages say nothing in
 * English: not the built-in model's names, not the date picker's labels,
 * not a connection test's error, not a refusal's code.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { atWidths, expectNoOverflow } from './support/checks.mjs';
import { ANN, seedLimits } from './support/limits.mjs';
import {
  byTestId,
  chooseLanguage,
  createUser,
  login,
  newPage,
  openAdmin,
  sendAndWatch,
  setMessagesLimit,
  shot,
} from './support/pages.mjs';
import { stackWithPages } from './support/sessions.mjs';
import { ADMIN, ARTIFACTS } from './support/stack.mjs';

/** English the Russian pages used to show, whatever the page. */
const ENGLISH = [
  /Open calendar/i,
  /Close calendar/i,
  /Local model/i,
  /Built-in/i,
  /AI provider/i,
  /could not be reached/i,
  /ECONNREFUSED/,
  /\b[A-Z]{2,}(?:_[A-Z]+)+\b/, // a raw code: QUOTA_MESSAGES_EXCEEDED, TOO_MANY_STREAMS
];

const run = stackWithPages('russian-phone', { admin: 'admin' });
const { admin } = run;
let member;
/** A port nothing listens on: the broken connection's provider. */
let deadPort;

/** A free port, closed again at once. */
function closedPort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** What a page says, visibly or to a screen reader, that matches `ENGLISH`. */
async function englishOn(page) {
  const said = await page.evaluate(() => {
    // What the page says, not what a chat's messages say.
    const content =
      '[data-testid^="message-"], [data-testid="streaming-answer"]';
    const parts = [];
    const walker = document.createTreeWalker(
      document.body,
      NodeFilter.SHOW_TEXT,
    );
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (
        parent &&
        !parent.closest(`${content}, script, style`) &&
        node.textContent.trim()
      ) {
        parts.push(node.textContent);
      }
    }
    for (const el of document.querySelectorAll(
      '[aria-label], [title], [placeholder], [data-label]',
    )) {
      for (const name of ['aria-label', 'title', 'placeholder', 'data-label']) {
        const value = el.getAttribute(name);
        if (value) {
          parts.push(value);
        }
      }
    }
    return parts.join('\n');
  });
  return ENGLISH.flatMap((pattern) => {
    const match = said.match(pattern);
    return match ? [match[0]] : [];
  });
}

/**
 * The words of the tables' header and body cells that are laid out on more
 * than one line (a word broken in the middle), with the computed wrapping
 * styles of each cell that allow it. An e-mail address or a URL is not a
 * word: it may break where room is short.
 */
function brokenWords(page) {
  return page.evaluate(() => {
    const address = /@|:\/\//;
    const found = [];
    for (const cell of document.querySelectorAll('main th, main td')) {
      const style = getComputedStyle(cell);
      if (style.display === 'none') {
        continue;
      }
      if (
        // Nothing to break: an empty cell, or an address.
        (cell.textContent.trim() !== '' &&
          !address.test(cell.textContent) &&
          style.overflowWrap !== 'normal') ||
        style.wordBreak !== 'normal' ||
        style.hyphens === 'auto'
      ) {
        found.push(
          `${cell.textContent.trim().slice(0, 40)}: overflow-wrap ${style.overflowWrap}, word-break ${style.wordBreak}, hyphens ${style.hyphens}`,
        );
      }
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent;
        for (const match of text.matchAll(/\S+/g)) {
          if (address.test(match[0])) {
            continue;
          }
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const tops = new Set(
            [...range.getClientRects()]
              .filter((r) => r.width > 0)
              .map((r) => Math.round(r.top)),
          );
          if (tops.size > 1) {
            found.push(`"${match[0]}" is split over ${tops.size} lines`);
          }
        }
      }
    }
    return found;
  });
}

/**
 * How the page's tables are laid out on a phone: each problem as a line
 * (a row that is not a card, a visible header row, a cell of a named column
 * without its label).
 */
function notCards(page) {
  return page.evaluate(() => {
    const found = [];
    const tables = document.querySelectorAll('main table');
    if (tables.length === 0) {
      found.push('no table on the page');
    }
    for (const table of tables) {
      const name = table.getAttribute('data-testid') ?? 'a table';
      const head = table.querySelector('thead tr, tr.mat-mdc-header-row');
      // Only a column's sort button may stay on screen.
      for (const th of head?.querySelectorAll('th') ?? []) {
        if (
          th.getBoundingClientRect().height > 1 &&
          !th.classList.contains('mat-sort-header')
        ) {
          found.push(`${name}: the header "${th.textContent.trim()}" is shown`);
        }
      }
      const headers = [...(head?.querySelectorAll('th') ?? [])].map((th) =>
        th.textContent.trim(),
      );
      for (const row of table.querySelectorAll('tbody tr')) {
        if (getComputedStyle(row).display !== 'block') {
          found.push(
            `${name}: a row is "display: ${getComputedStyle(row).display}"`,
          );
          break;
        }
        const cells = [...row.querySelectorAll(':scope > td')];
        if (cells.length === 1 && cells[0].hasAttribute('colspan')) {
          continue; // "Nothing here"
        }
        cells.forEach((td, i) => {
          if (headers[i] && td.getAttribute('data-label') !== headers[i]) {
            found.push(
              `${name}: the cell of "${headers[i]}" is labelled "${td.getAttribute('data-label')}"`,
            );
          }
        });
      }
    }
    return found;
  });
}

/**
 * Table cells whose content is wider than the cell (Material's cells hide
 * what overflows, behind an ellipsis the overflow check lets pass).
 */
function cutCells(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('main td, main th')]
      .filter(
        (cell) =>
          cell.getBoundingClientRect().height > 1 &&
          getComputedStyle(cell).overflowX !== 'visible' &&
          cell.scrollWidth > cell.clientWidth + 1,
      )
      .map(
        (cell) =>
          `"${cell.textContent.trim().slice(0, 40)}" is cut: ${cell.scrollWidth}px in ${cell.clientWidth}px`,
      ),
  );
}

/** Opens an admin page and waits until it has loaded. */
async function openLoaded(page, section) {
  await openAdmin(page, section);
  await page.waitForSelector('main h1');
  await page.waitForFunction(
    () =>
      !document.querySelector(
        'main mat-spinner, main .loading, main mat-progress-bar',
      ),
  );
}

/** The three checks of an admin page: cards at 390, whole words at 1280, no English. */
async function checkAdminPage(page, label) {
  const problems = [];
  await atWidths(page, [390, 1280], async (width) => {
    const at = (list) => list.map((p) => `${width}px: ${p}`);
    if (width === 390) {
      // For a look afterwards: tmp/web-e2e/phone-ru-<page>.png
      await page.screenshot({
        path: join(ARTIFACTS, `phone-ru-${label.replace(/\W+/g, '-')}.png`),
        fullPage: true,
      });
    }
    problems.push(
      ...at(width === 390 ? await notCards(page) : await brokenWords(page)),
      ...at(await cutCells(page)),
      ...at((await englishOn(page)).map((words) => `in English: ${words}`)),
    );
  });
  assert.deepEqual(problems, [], label);
  // The page checks of every test, at the widths of checkPageAtWidths.
  await atWidths(page, [390, 1024, 1280], async (width) => {
    await expectNoOverflow(page, `${label} at ${width}px`);
  });
}

describe('Russian on a phone', { timeout: 600_000 }, () => {
  before(async () => {
    deadPort = await closedPort();
    member = await newPage(run.stack.browser, {
      baseUrl: run.stack.baseUrl,
      locale: 'ru-RU',
      viewport: { width: 390, height: 844 },
    });
  });

  after(async () => {
    await member?.context.close();
  });

  test('the admin sets up a group, limits and a connection that cannot be reached', async () => {
    const { page } = admin;
    await login(page, ADMIN);
    await chooseLanguage(page, 'ru');
    await createUser(page, ANN);
    await seedLimits(run.stack);
    // Her grant of more messages today would keep her from the limit.
    await run.stack.sql('DELETE FROM limit_grants');
    await setMessagesLimit(page, ANN.email, 1);
    const token = await page.evaluate(() =>
      localStorage.getItem('tally.token'),
    );
    const response = await fetch(`${run.stack.baseUrl}/api/admin/connections`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        name: 'Офлайн',
        base_url: `http://127.0.0.1:${deadPort}/v1`,
      }),
    });
    assert.equal(response.status, 201);
  });

  test('at the limit, the quota chip fits a 390 px screen and the closed composer says why in full', async () => {
    const { page } = member;
    await login(page, ANN);
    await sendAndWatch(page, 'Привет!', { useEnter: true });
    // Thousands of tokens: the longest chip ("1/1 сообщение · 3,7 тыс./500 тыс. токенов").
    const ann = `(SELECT id FROM users WHERE email = '${ANN.email}')`;
    await run.stack.sql(`
      UPDATE usage_daily SET tokens = 3700 WHERE user_id = ${ann};
      UPDATE usage_counters SET tokens = 3700 WHERE scope = 'u:' || ${ann} || ':day:*';
    `);
    // The gateway refuses a request past the limit: a refusal for the request log.
    const token = await page.evaluate(() =>
      localStorage.getItem('tally.token'),
    );
    const key = await (
      await fetch(`${run.stack.baseUrl}/api/auth/api-keys`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ name: 'Скрипт' }),
      })
    ).json();
    const refused = await fetch(`${run.stack.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${key.key}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        model: 'local',
        messages: [{ role: 'user', content: 'Привет' }],
      }),
    });
    assert.equal(refused.status, 429);

    await page.reload();
    const chip = page.locator(byTestId('quota-header'));
    await page.waitForFunction(
      (selector) =>
        document.querySelector(selector)?.getAttribute('data-level') ===
        'exceeded',
      byTestId('quota-header'),
    );
    // The whole sentence is there for screen readers.
    const sentence = /^1\/1 сообщение · 3,7\s+тыс\.\/500\s+тыс\. токенов$/;
    await page
      .waitForFunction(
        ([selector, source]) =>
          new RegExp(source).test(
            document.querySelector(selector)?.textContent?.trim() ?? '',
          ),
        [byTestId('quota-text'), sentence.source],
      )
      .catch(() => undefined);
    assert.match(
      (await page.textContent(byTestId('quota-text')))?.trim() ?? '',
      sentence,
    );
    await page.locator(byTestId('composer')).waitFor();
    assert.equal(await page.locator(byTestId('composer')).isDisabled(), true);
    await page.screenshot({ path: shot('chat-limit-phone-ru') });

    const box = await chip.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return {
        left: r.left,
        right: r.right,
        scrollWidth: el.scrollWidth,
        clientWidth: el.clientWidth,
        viewport: document.documentElement.clientWidth,
        shown: el.innerText.replace(/\s+/g, ' ').trim(),
      };
    });
    assert.ok(
      box.left >= 0 && box.right <= box.viewport,
      `the chip (${box.left}–${box.right}px) is inside the ${box.viewport}px screen: ${box.shown}`,
    );
    assert.ok(
      box.scrollWidth <= box.clientWidth + 1,
      `the chip shows all it says (${box.scrollWidth}px in ${box.clientWidth}px): ${box.shown}`,
    );
    assert.match(box.shown, /ток\./, box.shown);

    const placeholder = await page.getAttribute(
      byTestId('composer'),
      'placeholder',
    );
    assert.equal(placeholder, 'Отправка приостановлена до обновления лимита.');
    // The placeholder's lines against the box: a twin of the box, as wide
    // and as high, with the placeholder typed in.
    const cut = await page.evaluate((selector) => {
      const box = document.querySelector(selector);
      const twin = box.cloneNode();
      Object.assign(twin.style, {
        position: 'absolute',
        visibility: 'hidden',
        boxSizing: 'border-box',
        fieldSizing: 'fixed',
        width: `${box.offsetWidth}px`,
        height: `${box.offsetHeight}px`,
        minHeight: '0',
      });
      twin.value = box.placeholder;
      box.parentElement.append(twin);
      const sizes = { needed: twin.scrollHeight, has: twin.clientHeight };
      twin.remove();
      return sizes;
    }, byTestId('composer'));
    assert.ok(
      cut.needed <= cut.has,
      `the placeholder needs ${cut.needed}px in ${cut.has}px`,
    );
    await expectNoOverflow(page, 'chat at the limit (ru, 390px)');
    assert.deepEqual(await englishOn(page), []);
  });

  test('the built-in model is named in Russian in the chat', async () => {
    const { page } = member;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/chats');
    await page.locator(byTestId('quota-header')).waitFor();
    assert.deepEqual(await englishOn(page), []);
    await page.setViewportSize({ width: 390, height: 844 });
  });

  test('every admin page: cards on a phone, whole words at 1280 px, nothing in English', async () => {
    const { page } = admin;
    const links = await page
      .locator('[data-testid^="nav-admin-"]')
      .evaluateAll((as) => as.map((a) => a.getAttribute('data-testid')));
    assert.ok(links.length >= 8, links.join());
    for (const id of links) {
      const section = id.replace('nav-admin-', '');
      await openLoaded(page, section);
      if (section === 'connections') {
        await page
          .locator('tr[data-connection="Офлайн"]')
          .locator(byTestId('test-connection'))
          .click();
        const failed = page.locator(byTestId('test-failed'));
        await failed.waitFor();
        const said = (await failed.textContent())?.trim() ?? '';
        assert.match(said, /[а-я]/i, said);
        assert.ok(!said.includes('127.0.0.1'), said);
      }
      if (section === 'requests') {
        await page
          .locator(
            `${byTestId('request-status')}:has-text("Исчерпан лимит сообщений")`,
          )
          .first()
          .waitFor();
      }
      if (section === 'usage') {
        const toggles = page.locator('mat-datepicker-toggle button');
        await toggles.first().waitFor();
        for (const label of await toggles.evaluateAll((bs) =>
          bs.map((b) => b.getAttribute('aria-label')),
        )) {
          assert.equal(label, 'Открыть календарь');
        }
      }
      await checkAdminPage(page, `admin ${section} (ru)`);
      if (section === 'groups') {
        await page.locator('main a:has-text("Research")').first().click();
        await page.waitForURL(/\/admin\/groups\/[0-9a-f-]{36}$/);
        await page.waitForSelector(
          'main table tbody tr[data-email], main table tbody tr',
        );
        await openLoadedHere(page);
        await checkAdminPage(page, 'admin group (ru)');
        await openLoaded(page, section);
      }
    }
    await openLoaded(page, 'users');
    await atWidths(page, [390], () =>
      page.screenshot({ path: shot('admin-users-phone-ru'), fullPage: true }),
    );
  });

  test('no uncaught errors in either page', () => {
    assert.deepEqual(admin.errors.map(String), []);
    assert.deepEqual(member.errors.map(String), []);
  });
});

/** Waits until the page on screen has loaded its data. */
async function openLoadedHere(page) {
  await page.waitForSelector('main h1');
  await page.waitForFunction(
    () =>
      !document.querySelector(
        'main mat-spinner, main .loading, main mat-progress-bar',
      ),
  );
}
