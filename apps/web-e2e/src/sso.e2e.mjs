/**
 * Single sign-on in the browser, against a real OpenID provider
 * (oidc-provider on 127.0.0.1, the API specs' apps/api/test/support/oidc-issuer.mjs):
 * the sign-in page's button, the provider's sign-in and consent forms, and
 * back in Tally signed in, on the page the user was headed for, with the
 * one-time code gone from the address. Then a refused sign-in comes back to
 * the sign-in page with the reason in words. `npx nx e2e web-e2e` (after
 * `npx nx run-many -t build`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { byTestId, text } from './support/pages.mjs';
import { stackWithPages } from './support/sessions.mjs';
import { freePort, ROOT } from './support/stack.mjs';

const CLIENT = {
  id: 'tally-e2e',
  secret: 'tally-e2e-client-secret-0123456789',
};
const ENV = [
  'E2E_API_PORT',
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'OIDC_LABEL',
  'OIDC_ADMIN_GROUPS',
  'OIDC_ALLOWED_DOMAINS',
];
let issuer;
let issuerUrl;

async function startIssuer(redirectUri) {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'apps/api/test/support/oidc-issuer.mjs')],
    {
      env: {
        PATH: process.env.PATH,
        CLIENT_ID: CLIENT.id,
        CLIENT_SECRET: CLIENT.secret,
        REDIRECT_URI: redirectUri,
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`issuer exited ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${JSON.parse(line).port}` };
}

async function setAccount(id, claims) {
  const res = await fetch(`${issuerUrl}/__accounts/${id}`, {
    method: 'PUT',
    body: JSON.stringify(claims),
  });
  assert.equal(res.status, 204);
}

const run = stackWithPages(
  'sso',
  { user: 'user', outsider: 'outsider' },
  {
    async setUp() {
      const port = await freePort();
      issuer = await startIssuer(
        `http://127.0.0.1:${port}/api/auth/sso/callback`,
      );
      issuerUrl = issuer.url;
      Object.assign(process.env, {
        E2E_API_PORT: String(port),
        OIDC_ISSUER: issuer.url,
        OIDC_CLIENT_ID: CLIENT.id,
        OIDC_CLIENT_SECRET: CLIENT.secret,
        OIDC_LABEL: 'Sign in with Corp',
        OIDC_ADMIN_GROUPS: 'tally-admins',
        OIDC_ALLOWED_DOMAINS: 'example.com',
      });
      await setAccount('ada', {
        email: 'ada@example.com',
        email_verified: true,
        name: 'Ada Lovelace',
        groups: ['Engineering'],
      });
      await setAccount('eve', {
        email: 'eve@elsewhere.test',
        email_verified: true,
        name: 'Eve',
      });
    },
    async tearDown() {
      for (const name of ENV) delete process.env[name];
      issuer?.child.kill();
    },
  },
);

/** The provider's two forms: sign in as `login`, then consent. */
async function atProvider(page, login) {
  await page.waitForURL((url) => url.href.startsWith(issuerUrl));
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any');
  await page.click('button:has-text("Sign-in")');
  await page.click('button:has-text("Continue")');
}

test('the button signs in at the provider and comes back signed in, without the code in the address', async () => {
  const { page, errors } = run.user;
  await page.goto('/login');
  const button = page.locator(byTestId('login-sso'));
  assert.equal(await text(button), 'Sign in with Corp');
  await button.click();
  await atProvider(page, 'ada');

  await page.waitForURL(/\/chats/);
  assert.equal(new URL(page.url()).hash, '');
  const history = await page.evaluate(() => window.location.href);
  assert.doesNotMatch(history, /code=/);
  const me = await page.evaluate(async () => {
    const token = localStorage.getItem('tally.token');
    const res = await fetch('/api/auth/me', {
      headers: { authorization: `Bearer ${token}` },
    });
    return res.json();
  });
  assert.equal(me.email, 'ada@example.com');
  assert.equal(me.auth_source, 'oidc');
  assert.deepEqual(errors, []);
});

test('a refused sign-in comes back to the sign-in page with the reason in words', async () => {
  const { page, errors } = run.outsider;
  await page.goto('/login');
  await page.click(byTestId('login-sso'));
  await atProvider(page, 'eve');
  await page.waitForURL(/\/login\?sso_error=SSO_DOMAIN_NOT_ALLOWED/);
  assert.equal(
    await text(page.locator(byTestId('login-sso-error'))),
    'Accounts of your email domain may not sign in here.',
  );
  assert.deepEqual(errors, []);
});
