/** Page helpers for the Tally web client, by `data-testid`. */
import assert from 'node:assert/strict';

export const byTestId = (id) => `[data-testid="${id}"]`;

/** What the UI says, per language. */
export const TEXT = {
  en: {
    locale: 'en-US',
    header: (used, limit) =>
      `${used}/${limit} message${limit === 1 ? '' : 's'}`,
    banner: "You have reached today's message limit.",
    usersTitle: 'Users',
    usageTitle: 'Usage',
  },
  ru: {
    locale: 'ru-RU',
    header: (used, limit) => `${used}/${limit} ${ruMessages(limit)}`,
    banner: 'Дневной лимит сообщений исчерпан.',
    usersTitle: 'Пользователи',
    usageTitle: 'Расход',
  },
};

function ruMessages(n) {
  const form = new Intl.PluralRules('ru').select(n);
  return (
    { one: 'сообщение', few: 'сообщения', many: 'сообщений' }[form] ??
    'сообщения'
  );
}

export async function newPage(
  browser,
  { baseUrl, locale, viewport = { width: 1280, height: 800 } },
) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    locale,
    viewport,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  const scripts = [];
  page.on('response', async (response) => {
    if (response.url().endsWith('.js')) {
      scripts.push(await response.text().catch(() => ''));
    }
  });
  return { context, page, errors, scripts };
}

export async function login(page, { email, password }) {
  await page.goto('/login');
  await page.fill(byTestId('login-email'), email);
  await page.fill(byTestId('login-password'), password);
  await page.click(byTestId('login-submit'));
  await page.waitForURL(/\/chats/);
}

export async function chooseLanguage(page, lang) {
  await page.selectOption(byTestId('language-switch'), lang);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

export async function quotaText(page) {
  return (await page.textContent(byTestId('quota-text')))?.trim() ?? '';
}

export async function waitForQuotaText(page, expected) {
  await page.waitForFunction(
    ([selector, text]) =>
      document.querySelector(selector)?.textContent?.includes(text),
    [byTestId('quota-text'), expected],
  );
}

/**
 * Sends a message and waits for the whole answer; returns the successive
 * texts the answer showed while it streamed in.
 */
export async function sendAndWatch(page, text, { useEnter = false } = {}) {
  await page.evaluate(() => {
    window.__partials = [];
    const seen = () => {
      const answer = document.querySelector(
        '[data-testid="streaming-answer"] .markdown',
      );
      const current = answer?.textContent ?? '';
      if (
        current &&
        window.__partials[window.__partials.length - 1] !== current
      ) {
        window.__partials.push(current);
      }
    };
    new MutationObserver(seen).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
  const before = await page.locator(byTestId('message-assistant')).count();
  await page.fill(byTestId('composer'), text);
  if (useEnter) {
    await page.press(byTestId('composer'), 'Enter');
  } else {
    await page.click(byTestId('send'));
  }
  await page.waitForFunction(
    ([selector, count]) => document.querySelectorAll(selector).length > count,
    ['[data-testid="message-assistant"]', before],
    { timeout: 60_000 },
  );
  await page.waitForSelector(byTestId('streaming-answer'), {
    state: 'detached',
  });
  const last = page.locator(byTestId('message-assistant')).last();
  assert.equal(await last.getAttribute('data-status'), 'complete');
  return page.evaluate(() => window.__partials);
}

export async function openAdmin(page, section) {
  await page.click(byTestId(`nav-admin-${section}`));
  await page.waitForURL(new RegExp(`/admin/${section}`));
}

/** A dialog is ready once it has moved focus into itself (after it is set up and shown). */
async function waitForDialog(page) {
  await page.waitForFunction(
    () => !!document.activeElement?.closest('[data-testid="user-dialog"]'),
  );
}

export async function createUser(page, { email, password, name }) {
  await openAdmin(page, 'users');
  await page.click(byTestId('create-user'));
  await waitForDialog(page);
  await page.fill(byTestId('user-email'), email);
  await page.fill(byTestId('user-password'), password);
  await page.fill(byTestId('user-name'), name);
  await page.click(byTestId('user-save'));
  await page.waitForSelector(byTestId('user-dialog'), { state: 'detached' });
  await page.fill(byTestId('users-search'), email);
  await page.waitForSelector(`tr[data-email="${email}"]`);
}

export async function setMessagesLimit(page, email, limit) {
  await openAdmin(page, 'users');
  await page.fill(byTestId('users-search'), email);
  const row = page.locator(`tr[data-email="${email}"]`);
  await row.waitFor();
  await row.locator(byTestId('edit-user')).click();
  await waitForDialog(page);
  const editor = page.locator(byTestId('limit-messages'));
  await editor.locator(`${byTestId('limit-custom')} label`).click();
  await editor.locator(byTestId('limit-value')).fill(String(limit));
  await page.click(byTestId('user-save'));
  await page.waitForSelector(byTestId('user-dialog'), { state: 'detached' });
  await page.waitForFunction(
    ([selector, text]) =>
      document.querySelector(selector)?.textContent?.trim().startsWith(text),
    [
      `tr[data-email="${email}"] [data-testid="cell-messages-limit"]`,
      String(limit),
    ],
  );
}
