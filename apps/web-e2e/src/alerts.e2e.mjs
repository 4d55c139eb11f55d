/**
 * Browser test of the alert settings, against the built API and web app:
 * the admin points the webhook at a receiver on 127.0.0.1, sets the
 * thresholds and a write-only secret, sends a test alert and sees it
 * delivered; the receiver gets one POST whose signature verifies. Then the
 * same page in Russian. Screenshots land where support/stack.mjs says (SCREENSHOTS).
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { describe, test } from 'node:test';
import { atWidths, checkPage, checkPageAtWidths } from './support/checks.mjs';
import {
  byTestId,
  chooseLanguage,
  login,
  openAdmin,
  shot,
  text,
} from './support/pages.mjs';
import { stackWithPages } from './support/sessions.mjs';
import { ADMIN } from './support/stack.mjs';

const SECRET = `whsec-e2e-${randomBytes(8).toString('hex')}`;

/** A webhook on loopback that records every POST and answers 200. */
async function startReceiver() {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body, json: JSON.parse(body) });
      res.statusCode = 200;
      res.end('ok');
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/tally-alerts`,
    received,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(ok);
      }),
  };
}

/** `Tally-Signature: t=…,v1=…` checked as a receiver does. */
function verifies(header, body, secret) {
  const parts = Object.fromEntries(
    String(header ?? '')
      .split(',')
      .map((kv) => kv.split('=', 2)),
  );
  if (!/^\d+$/.test(parts.t ?? '') || !/^[0-9a-f]{64}$/.test(parts.v1 ?? ''))
    return false;
  const expected = createHmac('sha256', secret)
    .update(`${parts.t}.${body}`)
    .digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'));
}

let receiver;

const { admin } = stackWithPages(
  'alerts',
  { admin: 'admin' },
  {
    async setUp() {
      receiver = await startReceiver();
      // The stack's API gets this process's environment: a key to encrypt the webhook secret with.
      process.env.SECRETS_KEY ??= randomBytes(32).toString('hex');
    },
    tearDown: () => receiver?.close(),
  },
);

describe('alert settings', { timeout: 600_000 }, () => {
  test('the admin sets the webhook, thresholds and a write-only secret', async () => {
    const { page } = admin;
    await login(page, ADMIN);
    await openAdmin(page, 'settings');
    await page.waitForSelector(byTestId('alert-settings-form'));
    assert.equal(
      await text(page.locator(byTestId('alert-secret-state'))),
      'No webhook secret: alerts are sent unsigned.',
    );
    assert.ok(
      await page.locator(byTestId('alert-test')).isDisabled(),
      'no test without a webhook URL',
    );
    await page.fill(byTestId('alert-webhook-url'), receiver.url);
    await page.fill(byTestId('alert-thresholds'), '100, 50, 80');
    await page.click(byTestId('alert-secret-edit'));
    await page.waitForSelector(byTestId('alert-secret-input'));
    await page.fill(byTestId('alert-secret-input'), SECRET);
    await page.click(byTestId('alert-settings-save'));
    await page.waitForSelector(
      `${byTestId('alert-settings-form')} [role="status"]:has-text("Settings saved.")`,
    );
    assert.equal(
      await text(page.locator(byTestId('alert-secret-state'))),
      'A webhook secret is set.',
    );
    assert.equal(
      await page.inputValue(byTestId('alert-thresholds')),
      '50, 80, 100',
    );
    assert.equal(await page.locator(byTestId('alert-secret-input')).count(), 0);
    assert.ok(
      !(await page.content()).includes(SECRET),
      'the secret is never on the page',
    );

    // Still so after a reload: it was saved, and the secret stays unseen.
    await page.reload();
    await page.waitForSelector(byTestId('alert-settings-form'));
    await page.waitForFunction(
      (id) =>
        document.querySelector(`[data-testid="${id}"]`)?.value?.length > 0,
      'alert-webhook-url',
    );
    assert.equal(
      await page.inputValue(byTestId('alert-webhook-url')),
      receiver.url,
    );
    assert.equal(
      await text(page.locator(byTestId('alert-secret-state'))),
      'A webhook secret is set.',
    );
  });

  test('a test alert reaches the receiver, signed, and is listed as delivered', async () => {
    const { page } = admin;
    await page.click(byTestId('alert-test'));
    const result = page.locator(
      `${byTestId('alert-test-result')}:has-text("Test alert delivered")`,
    );
    await result.waitFor();
    assert.match(
      await text(result),
      /^Test alert delivered: the webhook answered HTTP 200 in \d+ ms\.$/,
    );
    assert.equal(receiver.received.length, 1);
    const [got] = receiver.received;
    assert.equal(got.json.type, 'test');
    assert.deepEqual(Object.keys(got.json), [
      'id',
      'type',
      'threshold',
      'limit',
      'user',
      'created_at',
    ]);
    assert.ok(
      verifies(got.headers['tally-signature'], got.body, SECRET),
      'the signature verifies under the secret',
    );
    assert.ok(!verifies(got.headers['tally-signature'], got.body, 'other'));

    const row = page.locator(`${byTestId('alerts-table')} tr.mat-mdc-row`);
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.equal(await text(row.locator(byTestId('alert-what'))), 'Test alert');
    assert.match(
      await text(row.locator(byTestId('alert-delivery'))),
      /^Delivered\s+Attempts: 1$/,
    );

    await checkPageAtWidths(page, 'settings with alerts (en)');
    await page.screenshot({ path: shot('admin-alerts'), fullPage: true });
  });

  test('the same page in Russian', async () => {
    const { page } = admin;
    await chooseLanguage(page, 'ru');
    await page.waitForSelector('h2:has-text("Оповещения")');
    assert.equal(
      await text(page.locator(byTestId('alert-secret-state'))),
      'Секрет вебхука задан.',
    );
    assert.match(
      await text(page.locator(byTestId('alert-delivery'))),
      /^Доставлено\s+Попыток: 1$/,
    );
    await checkPage(page, 'settings with alerts (ru)');
    // A hint that wraps pushes the next field down rather than running into it.
    await atWidths(page, [390, 1280], async (width) => {
      const overlaps = await page.evaluate(() => {
        const fields = [
          ...document.querySelectorAll(
            '[data-testid="alert-settings-form"] app-text-field',
          ),
        ];
        const found = [];
        for (let i = 0; i + 1 < fields.length; i++) {
          const hint = fields[i].querySelector('mat-hint, mat-error');
          const next = fields[i + 1].getBoundingClientRect();
          if (hint && hint.getBoundingClientRect().bottom > next.top + 1)
            found.push(hint.textContent.trim());
        }
        return found;
      });
      assert.deepEqual(
        overlaps,
        [],
        `hints overlap the next field at ${width}px`,
      );
    });
    await page.screenshot({ path: shot('admin-alerts-ru'), fullPage: true });
  });
});
