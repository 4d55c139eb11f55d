/**
 * Browser tests of the Tally web client against the built API and web app,
 * on PostgreSQL with the local AI model: the quota flow in English
 * (support/quota-flow.mjs; tally-ru.e2e.mjs runs it in Russian), the phone
 * layout and the keyboard alone. `npx nx e2e web-e2e` (after
 * `npx nx run-many -t build`). Screenshots land in docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { expectAccessible, expectNoOverflow } from './support/checks.mjs';
import {
  byTestId,
  focused,
  login,
  newPage,
  quotaText,
  tabUntil,
} from './support/pages.mjs';
import { quotaFlow } from './support/quota-flow.mjs';
import { stackWithPages } from './support/sessions.mjs';
import { ADMIN, SCREENSHOTS } from './support/stack.mjs';

const run = stackWithPages('tally', {});

quotaFlow('en', () => run.stack);

/** Waits until the sidebar drawer is not sliding in or out. */
function drawerSettled(page) {
  return page.waitForFunction(
    () =>
      !document
        .querySelector('#sidebar')
        ?.classList.contains('mat-drawer-animating'),
  );
}

test(
  'on a phone-width screen the sidebar opens from the menu button',
  { timeout: 60_000 },
  async () => {
    const phone = await newPage(run.stack.browser, {
      baseUrl: run.stack.baseUrl,
      locale: 'en-US',
      viewport: { width: 390, height: 844 },
    });
    try {
      await login(phone.page, {
        email: 'user-en@example.com',
        password: 'password-en-123',
      });
      const sidebar = phone.page.locator('#sidebar');
      await phone.page.waitForSelector(byTestId('menu-toggle'));
      assert.equal(await sidebar.isVisible(), false);
      await phone.page.click(byTestId('menu-toggle'));
      await phone.page.waitForSelector(`${byTestId('chat-list')} a`);
      await phone.page
        .locator(`${byTestId('chat-list')} a`)
        .first()
        .click();
      await phone.page.waitForURL(/\/chats\/[0-9a-f-]{36}$/);
      await phone.page.waitForSelector(byTestId('quota-header'));
      assert.ok((await quotaText(phone.page)).length > 0);
      await expectAccessible(phone.page, 'chat on a phone');
      await expectNoOverflow(phone.page, 'chat on a phone');
      await phone.page.click(byTestId('menu-toggle'));
      await phone.page.waitForSelector(`${byTestId('chat-list')} a`);
      await expectAccessible(phone.page, 'the open menu on a phone');
      await expectNoOverflow(phone.page, 'the open menu on a phone');
      // Escape closes the drawer when the key reaches it: from a link inside
      // it, whether or not its opening has finished and moved the focus in.
      // The picture is taken once it has slid shut, not half way.
      await drawerSettled(phone.page);
      await sidebar.locator('a').first().focus();
      await phone.page.keyboard.press('Escape');
      await sidebar.waitFor({ state: 'hidden' });
      await phone.page.screenshot({
        path: join(SCREENSHOTS, 'chat-phone.png'),
      });
    } finally {
      await phone.context.close();
    }
  },
);

test(
  'by keyboard alone: sign in, send a message, edit a user in the dialog',
  { timeout: 90_000 },
  async () => {
    const session = await newPage(run.stack.browser, {
      baseUrl: run.stack.baseUrl,
      locale: 'en-US',
    });
    const { page } = session;
    const byId = (id) => (f) => f.testId === id;
    try {
      await page.goto('/login');
      await page.waitForSelector(byTestId('login-email'));
      await tabUntil(page, byId('login-email'));
      await page.keyboard.type(ADMIN.email);
      await tabUntil(page, byId('login-password'));
      await page.keyboard.type(ADMIN.password);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/chats/);
      await page.waitForSelector(byTestId('quota-header'));
      assert.equal(await page.title(), 'Chats · Tally');

      // The skip link jumps over the sidebar to the content.
      const skip = await tabUntil(page, (f) => f.tag === 'a');
      assert.equal(skip.name, 'Skip to content');
      await page.keyboard.press('Enter');
      assert.equal((await focused(page))?.tag, 'main');
      assert.match(page.url(), /\/chats$/);

      // Enter sends; focus stays in the composer while Send turns into Stop and back.
      await tabUntil(page, byId('composer'));
      await page.keyboard.type('Hello from the keyboard');
      await page.keyboard.press('Enter');
      await page.waitForSelector(byTestId('message-assistant'), {
        timeout: 60_000,
      });
      await page.waitForSelector(byTestId('send'));
      assert.equal((await focused(page))?.testId, 'composer');

      // The admin area, and a user's dialog: focus stays inside, Escape closes
      // it, and focus comes back to the button that opened it.
      await tabUntil(page, byId('nav-admin-users'), { key: 'Shift+Tab' });
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/admin\/users/);
      await page.waitForSelector(`tr[data-email="${ADMIN.email}"]`);
      const editName = `Edit ${ADMIN.email}`;
      await tabUntil(page, (f) => f.name === editName);
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        () => !!document.activeElement?.closest('mat-dialog-container'),
      );
      for (let i = 0; i < 15; i++) {
        const inside = await tabUntil(page, () => true);
        assert.ok(inside.inDialog, `Tab left the dialog: ${inside.testId}`);
      }
      await page.keyboard.press('Escape');
      await page.waitForSelector(byTestId('user-dialog'), {
        state: 'detached',
      });
      assert.equal((await focused(page))?.name, editName);

      await page.keyboard.press('Enter');
      await page.waitForSelector(byTestId('user-dialog'));
      await tabUntil(page, byId('user-name'));
      await page.keyboard.press('Control+A');
      await page.keyboard.type('Keyboard Admin');
      await tabUntil(page, byId('user-save'));
      await page.keyboard.press('Enter');
      await page.waitForSelector(byTestId('user-dialog'), {
        state: 'detached',
      });
      await page.waitForSelector(
        `tr[data-email="${ADMIN.email}"] >> text=Keyboard Admin`,
      );
      assert.equal((await focused(page))?.name, editName);
      assert.deepEqual(session.errors.map(String), []);
    } finally {
      await session.context.close();
    }
  },
);

test(
  'the sidebar loads more chats as its end scrolls into view',
  { timeout: 60_000 },
  async () => {
    const { baseUrl, browser } = run.stack;
    const post = async (path, body, token) => {
      const res = await fetch(baseUrl + path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      assert.ok(res.ok, `${path}: ${res.status}`);
      return res.json();
    };
    const admin = (await post('/api/auth/login', ADMIN)).access_token;
    const user = {
      email: 'many-chats@example.com',
      password: 'password-many-1',
    };
    await post('/api/admin/users', user, admin);
    const token = (await post('/api/auth/login', user)).access_token;
    for (let i = 1; i <= 60; i++) {
      await post('/api/chats', { title: `Chat ${i}` }, token);
    }

    const session = await newPage(browser, { baseUrl, locale: 'en-US' });
    const { page } = session;
    const links = `${byTestId('chat-list')} a.chat-link`;
    const titles = () =>
      page.$$eval(links, (all) => all.map((a) => a.textContent.trim()));
    try {
      await login(page, user);
      await page.waitForSelector(byTestId('load-more'));
      assert.equal((await titles()).length, 50);
      await expectAccessible(page, 'the sidebar with more chats to load');
      // Scrolled to, not clicked: the next page comes by itself.
      await page.locator(byTestId('load-more')).scrollIntoViewIfNeeded();
      await page.waitForFunction(
        (selector) => document.querySelectorAll(selector).length === 60,
        links,
      );
      const all = await titles();
      assert.deepEqual(
        all,
        Array.from({ length: 60 }, (_, i) => `Chat ${60 - i}`),
      );
      assert.equal(await page.locator(byTestId('load-more')).count(), 0);
      assert.deepEqual(session.errors.map(String), []);
    } finally {
      await session.context.close();
    }
  },
);
