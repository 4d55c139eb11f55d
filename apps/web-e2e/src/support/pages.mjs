/** Page helpers for the Tally web client, by `data-testid`. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SCREENSHOTS } from './stack.mjs';

export const byTestId = (id) => `[data-testid="${id}"]`;

/** Where the screenshot `name` lands: <SCREENSHOTS>/<name>.png (docs/screenshots with UPDATE_SCREENSHOTS=1). */
export const shot = (name) => join(SCREENSHOTS, `${name}.png`);

/** A locator's text, trimmed ('' when it has none). */
export const text = async (locator) =>
  (await locator.textContent())?.trim() ?? '';

/** Micro-dollars written as the app writes them: rounded down to the cent, "< $0.01" under a cent. */
export function usd(lang, micro) {
  const format = new Intl.NumberFormat(lang, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  if (micro > 0 && micro < 10_000) {
    return `<\u00a0${format.format(0.01)}`;
  }
  return format.format(Math.floor(micro / 10_000) / 100);
}

/** What the UI says, per language. */
export const TEXT = {
  en: {
    locale: 'en-US',
    header: (used, limit) =>
      `${used}/${limit} message${limit === 1 ? '' : 's'}`,
    banner: "You have reached today's message limit.",
    asked: 'You asked:',
    usersTitle: 'Users',
    usageTitle: 'Usage',
  },
  ru: {
    locale: 'ru-RU',
    header: (used, limit) => `${used}/${limit} ${ruMessages(limit)}`,
    banner: 'Дневной лимит сообщений исчерпан.',
    asked: 'Вы спросили:',
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

/**
 * A dialog is ready once it has moved focus into itself (after it is set up
 * and shown). Typing before that races the dialog's own initial focus, which
 * can move the caret into another field halfway through a `fill`.
 */
export async function waitForDialog(page, testId = 'user-dialog') {
  await page.waitForFunction(
    (id) => !!document.activeElement?.closest(`[data-testid="${id}"]`),
    testId,
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

/**
 * What has keyboard focus, and how it shows: `outline`, Material's focus
 * `ring`, a focused form `field`, or null when nothing on screen marks it.
 */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) {
      return null;
    }
    const shown = (node) => {
      for (let e = node; e; e = e.parentElement) {
        if (Number(getComputedStyle(e).opacity) === 0) {
          return false;
        }
      }
      const box = node.getBoundingClientRect();
      return box.width > 2 && box.height > 2;
    };
    const ringOf = (node) => {
      const before = getComputedStyle(node, '::before');
      return (
        before.content !== 'none' &&
        before.display !== 'none' &&
        parseFloat(before.borderTopWidth) > 0 &&
        before.borderTopColor !== 'rgba(0, 0, 0, 0)'
      );
    };
    const host =
      el.closest('.mat-mdc-radio-button, .mat-mdc-slide-toggle') ?? el;
    const rings = [
      ...(host.matches('.mat-focus-indicator') ? [host] : []),
      ...host.querySelectorAll('.mat-focus-indicator'),
    ];
    const style = getComputedStyle(el);
    let indicator = null;
    if (rings.some(ringOf)) {
      indicator = 'ring';
    } else if (el.closest('.mat-mdc-form-field.mat-focused')) {
      indicator = 'field';
    } else if (
      style.outlineStyle !== 'none' &&
      parseFloat(style.outlineWidth) >= 1 &&
      shown(el)
    ) {
      indicator = 'outline';
    }
    return {
      testId:
        el.getAttribute('data-testid') ??
        el.closest('[data-testid]')?.getAttribute('data-testid') ??
        null,
      tag: el.tagName.toLowerCase(),
      name: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(),
      inDialog: !!el.closest('mat-dialog-container'),
      indicator,
    };
  });
}

/** Presses `key` (Tab by default) until `wanted(focused)` holds; every stop on the way must show its focus. */
export async function tabUntil(page, wanted, { key = 'Tab', max = 40 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    let now = await focused(page);
    // Some Material controls draw their ring a frame or two after focus.
    for (let wait = 0; now && !now.indicator && wait < 20; wait++) {
      await page.waitForTimeout(50);
      now = await focused(page);
    }
    if (now) {
      assert.ok(
        now.indicator || now.tag === 'main',
        `keyboard focus is invisible on ${JSON.stringify(now)}`,
      );
    }
    if (now && wanted(now)) {
      return now;
    }
  }
  throw new Error(`not reached with ${key} in ${max} presses`);
}
