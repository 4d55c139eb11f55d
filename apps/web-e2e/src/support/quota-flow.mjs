/**
 * The quota flow of the browser tests (tally.e2e.mjs in English,
 * tally-ru.e2e.mjs in Russian). Screenshots land where support/stack.mjs says.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN, ARTIFACTS, SCREENSHOTS } from './stack.mjs';
import { checkPageAtWidths } from './checks.mjs';
import {
  TEXT,
  byTestId,
  chooseLanguage,
  createUser,
  login,
  newPage,
  openAdmin,
  sendAndWatch,
  setMessagesLimit,
  waitForQuotaText,
} from './pages.mjs';

/**
 * The quota flow, all of it in one language, as tests of the calling file:
 * the admin creates a user, who sends and sees the count go up; at the limit
 * the header, the banner and the composer say so; every admin page passes
 * axe and the overflow check; the usage page and its CSV list the user.
 * `stackOf` gives the file's stack (started in its `before`).
 */
export function quotaFlow(lang, stackOf) {
  const t = TEXT[lang];
  const user = {
    email: `user-${lang}@example.com`,
    password: `password-${lang}-123`,
    name: `Test ${lang.toUpperCase()}`,
  };
  const shot = (name) =>
    join(SCREENSHOTS, lang === 'en' ? `${name}.png` : `${name}-${lang}.png`);
  let admin;
  let member;

  describe(`quota flow (${lang})`, { timeout: 300_000 }, () => {
    before(async () => {
      // The admin's browser speaks English and switches to `lang` by hand;
      // the user's browser prefers `lang`, which the app picks by itself.
      admin = await newPage(stackOf().browser, {
        baseUrl: stackOf().baseUrl,
        locale: 'en-US',
      });
      member = await newPage(stackOf().browser, {
        baseUrl: stackOf().baseUrl,
        locale: t.locale,
      });
    });

    after(async () => {
      for (const session of [admin, member]) {
        if (session) {
          await session.page
            .screenshot({
              path: join(
                ARTIFACTS,
                `last-${lang}-${session === admin ? 'admin' : 'user'}.png`,
              ),
            })
            .catch(() => undefined);
          await session.context.close();
        }
      }
    });

    test('the admin signs in and creates a user on the Users page', async () => {
      await admin.page.goto('/login');
      await chooseLanguage(admin.page, lang);
      await checkPageAtWidths(admin.page, `signed out (${lang})`);
      await login(admin.page, ADMIN);
      await admin.page.waitForSelector(byTestId('admin-nav'));
      await createUser(admin.page, user);
      assert.equal((await admin.page.textContent('h1'))?.trim(), t.usersTitle);
    });

    test('the user signs in, sends a message, sees the answer stream and the count go up', async () => {
      const { page } = member;
      await login(page, user);
      assert.equal(
        await page.evaluate(() => document.documentElement.lang),
        lang,
      );
      assert.equal(
        await page.locator(byTestId('admin-nav')).count(),
        0,
        'no admin entries for a user',
      );
      await waitForQuotaText(page, t.header(0, 100));

      const partials = await sendAndWatch(
        page,
        'Hello! Please explain what a daily quota is.',
        { useEnter: lang === 'ru' },
      );
      assert.ok(
        partials.length >= 2,
        `the answer should arrive in pieces, saw ${partials.length}`,
      );
      for (let i = 1; i < partials.length; i++) {
        assert.ok(
          partials[i].length >= partials[i - 1].length,
          'the streamed answer only grows',
        );
      }
      await waitForQuotaText(page, t.header(1, 100));
      // The built-in model answers in the language of the page.
      const answer = await page
        .locator(byTestId('message-assistant'))
        .last()
        .textContent();
      assert.ok(answer?.includes(t.asked), answer ?? '');
      assert.match(page.url(), /\/chats\/[0-9a-f-]{36}$/);
      assert.equal(
        await page.locator(`${byTestId('chat-list')} li`).count(),
        1,
      );
      await page.screenshot({ path: shot('chat') });
      await checkPageAtWidths(page, `chat (${lang})`);
    });

    test('the reset time shows on keyboard focus of the header, in local time', async () => {
      const { page } = member;
      await page.evaluate(() => document.querySelector('#composer')?.blur());
      let focused = null;
      for (let i = 0; i < 20 && focused !== 'quota-header'; i++) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate(() =>
          document.activeElement?.getAttribute('data-testid'),
        );
      }
      assert.equal(focused, 'quota-header', 'the header is reachable with Tab');
      const tooltip = page.locator('.mat-mdc-tooltip');
      await tooltip.waitFor();
      const resetsAt = await page.evaluate(async () => {
        const token = localStorage.getItem('tally.token');
        const response = await fetch('/api/chats/quota', {
          headers: { Authorization: `Bearer ${token}` },
        });
        return (await response.json()).resets_at;
      });
      const local = await page.evaluate(
        ([iso, l]) =>
          new Intl.DateTimeFormat(l, {
            dateStyle: 'medium',
            timeStyle: 'short',
          }).format(new Date(iso)),
        [resetsAt, lang],
      );
      assert.ok(
        (await tooltip.textContent())?.includes(local),
        await tooltip.textContent(),
      );
    });

    test('a user never downloads the admin code', async () => {
      const { page, scripts } = member;
      await page.goto('/admin/users');
      await page.waitForURL(/\/chats/);
      assert.ok(scripts.length > 0);
      assert.ok(
        !scripts.some((js) => js.includes('app-users-page')),
        'the admin chunk was downloaded',
      );
      assert.ok(
        admin.scripts.some((js) => js.includes('app-users-page')),
        'the admin did get it',
      );
    });

    if (lang === 'en') {
      test('the settings page shows the defaults and checks values before saving', async () => {
        const { page } = admin;
        await openAdmin(page, 'settings');
        const field = (id) => page.locator(byTestId(id));
        await page.waitForFunction(
          (selector) => document.querySelector(selector)?.value === '100',
          byTestId('settings-default-messages'),
        );
        assert.equal(
          await field('settings-default-tokens').inputValue(),
          '500000',
        );
        assert.equal(await field('settings-timezone').inputValue(), 'UTC');
        assert.equal(await field('settings-max-streams').inputValue(), '3');
        let patches = 0;
        page.on('request', (request) => {
          if (
            request.method() === 'PATCH' &&
            request.url().includes('/api/admin/settings')
          ) {
            patches++;
          }
        });
        await field('settings-max-streams').fill('101');
        await field('settings-timezone').fill('Mars/Olympus');
        await page.click(byTestId('settings-save'));
        await page.getByText('Must be at most 100.').waitFor();
        await page.getByText('Choose a time zone from the list.').waitFor();
        assert.equal(patches, 0, 'nothing is sent while a value is wrong');
        await page.screenshot({ path: join(SCREENSHOTS, 'settings.png') });
      });
    }

    test("the admin sets the user's messages limit to the current count", async () => {
      await setMessagesLimit(admin.page, user.email, 1);
    });

    test('at the limit, a reload shows the red header, the banner and a closed composer before any send', async () => {
      const { page } = member;
      let sends = 0;
      page.on('request', (request) => {
        if (request.method() === 'POST' && /\/messages/.test(request.url())) {
          sends++;
        }
      });
      await page.goto('/chats');
      await page
        .locator(`${byTestId('chat-list')} a`)
        .first()
        .click();
      await waitForQuotaText(page, t.header(1, 1));
      assert.equal(
        await page.getAttribute(byTestId('quota-header'), 'data-level'),
        'exceeded',
      );
      // Straight from the polled quota: nothing was typed or refused.
      const banner = page.locator(byTestId('quota-banner'));
      await banner.waitFor();
      assert.ok(
        (await banner.textContent())?.includes(t.banner),
        await banner.textContent(),
      );
      assert.equal(await page.locator(byTestId('composer')).isDisabled(), true);
      assert.equal(sends, 0);
      await page.screenshot({ path: shot('chat-limit') });
      await checkPageAtWidths(page, `chat at the limit (${lang})`);
    });

    test('every admin page passes axe and the overflow check', async () => {
      const { page } = admin;
      const links = await page
        .locator('[data-testid^="nav-admin-"]')
        .evaluateAll((as) => as.map((a) => a.getAttribute('data-testid')));
      assert.ok(links.length >= 3, links.join());
      for (const id of links) {
        const section = id.replace('nav-admin-', '');
        await openAdmin(page, section);
        await page.waitForSelector('main h1');
        await page.waitForFunction(
          () => !document.querySelector('main mat-spinner, main .loading'),
        );
        await checkPageAtWidths(page, `admin ${section} (${lang})`);
      }
    });

    test("the admin's usage page lists the user with the right counts", async () => {
      const { page } = admin;
      const token = await member.page.evaluate(() =>
        localStorage.getItem('tally.token'),
      );
      const quota = await (
        await fetch(`${stackOf().baseUrl}/api/chats/quota`, {
          headers: { Authorization: `Bearer ${token}` },
        })
      ).json();
      assert.equal(quota.messages.used, 1);
      assert.ok(quota.tokens.used > 0);

      await openAdmin(page, 'usage');
      await page.fill(byTestId('usage-search'), user.email);
      const row = page.locator(`tr[data-email="${user.email}"]`);
      await row.waitFor();
      const number = new Intl.NumberFormat(lang);
      const cell = async (id) =>
        (await row.locator(byTestId(id)).textContent())
          ?.replace(/\s+/g, ' ')
          .trim();
      const norm = (s) => s.replace(/\s+/g, ' ');
      assert.equal(
        await cell('cell-messages'),
        norm(`${number.format(1)} / ${number.format(1)}`),
      );
      assert.equal(
        await cell('cell-tokens'),
        norm(
          `${number.format(quota.tokens.used)} / ${number.format(quota.tokens.limit)}`,
        ),
      );
      assert.equal((await page.textContent('h1'))?.trim(), t.usageTitle);
      await page.waitForSelector('canvas');
      await page.fill(byTestId('usage-search'), '');
      await page.waitForFunction(
        () => document.querySelectorAll('tr[data-email]').length >= 2,
      );
      await page.waitForTimeout(500); // let the chart draw
      await page.screenshot({ path: shot('usage'), fullPage: true });
      await checkPageAtWidths(page, `admin usage with data (${lang})`);

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click(byTestId('usage-export')),
      ]);
      const csv = await (
        await import('node:fs/promises')
      ).readFile(await download.path(), 'utf8');
      // UTF-8 with a byte order mark, so that spreadsheets read Cyrillic right.
      assert.ok(csv.startsWith('\uFEFF'), 'the CSV starts with a BOM');
      assert.match(
        csv.slice(1).split('\n')[0],
        /^user_id,email,name,messages,tokens,messages_limit,tokens_limit/,
      );
      const line = csv.split('\n').find((l) => l.includes(user.email));
      assert.ok(line, 'the CSV lists the user');
      assert.ok(line.includes(`,1,${quota.tokens.used},1,`), line);
    });

    test('no uncaught errors in either page', () => {
      assert.deepEqual(admin.errors.map(String), []);
      assert.deepEqual(member.errors.map(String), []);
    });
  });
}
