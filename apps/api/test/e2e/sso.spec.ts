import { createServer } from 'node:net';
import { addLimit } from '../support/limits';
import { startOidcIssuer, type OidcIssuer } from '../support/oidc-issuer';
import { ADMIN, startTestApp, type TestApp } from '../support/test-app';

/**
 * Single sign-on against a real OpenID provider (oidc-provider on loopback,
 * run by node: see support/oidc-issuer.mjs), driven as a browser would be:
 * redirects followed by hand, cookies kept in a jar, the provider's sign-in
 * and consent forms posted. Nothing of the protocol is faked.
 */

const CLIENT_ID = 'tally-test';
const CLIENT_SECRET = 'tally-test-client-secret-0123456789';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A browser's cookies, for one host (the app and the provider are both on 127.0.0.1). */
class Browser {
  readonly jar = new Map<string, string>();

  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers ?? {}), ...(cookie ? { cookie } : {}) },
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0];
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1)];
      if (value === '' || /max-age=0/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
}

interface Flow {
  /** Where the callback sent the browser. */
  location: URL;
  browser: Browser;
}

interface FlowOptions {
  returnTo?: string;
  tamper?: (callback: URL) => void;
  browser?: Browser;
}

/** Start at Tally, sign in at the provider as `sub`, come back to the callback. */
async function ssoFlow(
  {
    t,
    issuer,
    publicUrl,
  }: { t: TestApp; issuer: OidcIssuer; publicUrl: string },
  sub: string,
  opts: FlowOptions = {},
): Promise<Flow> {
  const browser = opts.browser ?? new Browser();
  const q = opts.returnTo
    ? `?return_to=${encodeURIComponent(opts.returnTo)}`
    : '';
  let res = await browser.go(`${t.url}/api/auth/sso/login${q}`);
  expect(res.status).toBe(302);
  let url = new URL(res.headers.get('location')!);
  expect(url.origin).toBe(issuer.url);
  for (let hops = 0; url.origin === issuer.url; hops++) {
    if (hops > 20) throw new Error('too many hops at the provider');
    res = await browser.go(url.href);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url);
      continue;
    }
    expect(res.status).toBe(200);
    const html = await res.text();
    const action = new URL(/action="([^"]+)"/.exec(html)![1], url);
    const form = html.includes('name="prompt" value="login"')
      ? { prompt: 'login', login: sub, password: 'any' }
      : { prompt: 'consent' };
    res = await browser.go(action.href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    expect([302, 303]).toContain(res.status);
    url = new URL(res.headers.get('location')!, action);
  }
  expect(url.href.startsWith(`${publicUrl}/api/auth/sso/callback?`)).toBe(true);
  opts.tamper?.(url);
  res = await browser.go(url.href);
  expect(res.status).toBe(302);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return { location: new URL(res.headers.get('location')!), browser };
}

describe('single sign-on with OpenID Connect (PostgreSQL, a real provider)', () => {
  let t: TestApp;
  let issuer: OidcIssuer;
  let publicUrl: string;
  let adminToken: string;
  let seq = 0;

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    issuer = await startOidcIssuer({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: `${publicUrl}/api/auth/sso/callback`,
    });
    t = await startTestApp({
      env: {
        PORT: String(port),
        PUBLIC_URL: publicUrl,
        OIDC_ISSUER: issuer.url,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_ADMIN_GROUPS: 'Tally-Admins',
        OIDC_ALLOWED_DOMAINS: 'example.com,corp.test',
        OIDC_LABEL: 'Sign in with Corp',
      },
    });
    adminToken = await t.login();
  });

  afterAll(async () => {
    await t?.close();
    await issuer?.close();
  });

  /** A new account at the provider; its id is its `sub`. */
  async function account(
    claims: Partial<Parameters<OidcIssuer['setAccount']>[1]> = {},
  ): Promise<{ sub: string; email: string }> {
    const sub = `acct-${++seq}-${Date.now()}`;
    const email = claims.email ?? `${sub}@example.com`;
    await issuer.setAccount(sub, {
      email_verified: true,
      name: `Person ${seq}`,
      groups: [],
      ...claims,
      email,
    });
    return { sub, email };
  }

  const signInFlow = (sub: string, opts: FlowOptions = {}) =>
    ssoFlow({ t, issuer, publicUrl }, sub, opts);

  function codeOf(flow: Flow): string {
    expect(flow.location.origin + flow.location.pathname).toBe(
      `${publicUrl}/sso`,
    );
    const code = new URLSearchParams(flow.location.hash.slice(1)).get('code');
    expect(code).toBeTruthy();
    return code!;
  }

  function errorOf(flow: Flow): string | null {
    expect(flow.location.origin + flow.location.pathname).toBe(
      `${publicUrl}/login`,
    );
    return flow.location.searchParams.get('sso_error');
  }

  async function signIn(sub: string) {
    const code = codeOf(await signInFlow(sub));
    const res = await t.http.post('/api/auth/sso/exchange', { code });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    return res.body as {
      access_token: string;
      user: { id: string; email: string; name: string; role: string };
    };
  }

  async function groupsOf(userId: string) {
    const [{ email }] = await t.query<{ email: string }>(
      'SELECT email FROM users WHERE id = $1',
      [userId],
    );
    const res = await t.http.get(
      `/api/admin/users?search=${encodeURIComponent(email)}`,
      { token: adminToken },
    );
    expect(res.status).toBe(200);
    const user = (
      res.body.items as { id: string; groups: { name: string }[] }[]
    ).find((u) => u.id === userId)!;
    return user.groups.map((g) => g.name).sort();
  }

  async function groupNamed(name: string) {
    const res = await t.http.get(
      `/api/admin/groups?search=${encodeURIComponent(name)}`,
      { token: adminToken },
    );
    return (res.body.items as { name: string }[]).find((g) => g.name === name);
  }

  it('tells the sign-in page what it offers', async () => {
    const res = await t.http.get('/api/auth/sso');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      enabled: true,
      label: 'Sign in with Corp',
      password_login: true,
    });
  });

  it('creates the user at the first login, with the groups of the claim and the role of OIDC_ADMIN_GROUPS', async () => {
    const { sub, email } = await account({
      name: 'Ada Lovelace',
      groups: ['Engineering', 'tally-admins'],
    });
    const auth = await signIn(sub);
    expect(auth.user).toMatchObject({
      email,
      name: 'Ada Lovelace',
      role: 'admin',
      auth_source: 'oidc',
    });
    const me = await t.http.get('/api/auth/me', { token: auth.access_token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(auth.user.id);
    expect(await groupsOf(auth.user.id)).toEqual([
      'Engineering',
      'tally-admins',
    ]);
    expect(await groupNamed('Engineering')).toMatchObject({
      source: 'oidc',
      external_id: 'Engineering',
    });
    // No password: password sign-in does not work for this user.
    const pw = await t.http.post('/api/auth/login', {
      email,
      password: 'any-password-1',
    });
    expect(pw.status).toBe(401);
  });

  it('moves memberships, email, name and role with the claim at the next login; local groups stay', async () => {
    const { sub } = await account({
      groups: ['Sales', 'Support', 'Tally-Admins'],
    });
    const first = await signIn(sub);
    const local = await t.http.post(
      '/api/admin/groups',
      { name: `Local ${sub}` },
      { token: adminToken },
    );
    expect(local.status).toBe(201);
    expect(local.body).toMatchObject({ source: 'local', external_id: null });
    const joined = await t.http.request(
      'PUT',
      `/api/admin/groups/${local.body.id}/members/${first.user.id}`,
      undefined,
      { token: adminToken },
    );
    expect(joined.status).toBe(204);

    await issuer.setAccount(sub, {
      email: `moved-${sub}@corp.test`,
      email_verified: true,
      name: 'New Name',
      groups: ['Support', 'Research'],
    });
    const second = await signIn(sub);
    expect(second.user).toMatchObject({
      id: first.user.id,
      email: `moved-${sub}@corp.test`,
      name: 'New Name',
      role: 'user',
    });
    expect(await groupsOf(first.user.id)).toEqual(
      [`Local ${sub}`, 'Research', 'Support'].sort(),
    );
    // The group itself stays, with its other members.
    expect(await groupNamed('Sales')).toMatchObject({ source: 'oidc' });
  });

  it("gives an oidc group's limits to the users the claim puts in it", async () => {
    const group = `Limited ${seq}`;
    const { sub } = await account({ groups: [group] });
    const auth = await signIn(sub);
    const g = await groupNamed(group);
    const limit = await addLimit(t, {
      subject: 'group',
      subject_id: (g as unknown as { id: string }).id,
      metric: 'messages',
      window: 'day',
      amount: 2,
    });
    const quota = await t.http.get('/api/chats/quota?model=local', {
      token: auth.access_token,
    });
    expect(quota.status).toBe(200);
    expect(quota.body.limits.map((l: { id: string }) => l.id)).toContain(limit);

    // Out of the group at the next login: out of its limit.
    await issuer.setAccount(sub, {
      email: auth.user.email,
      email_verified: true,
      groups: [],
    });
    const again = await signIn(sub);
    const after = await t.http.get('/api/chats/quota?model=local', {
      token: again.access_token,
    });
    expect(after.body.limits.map((l: { id: string }) => l.id)).not.toContain(
      limit,
    );
  });

  it('links an existing password user only when the provider says the email is verified', async () => {
    const existing = await t.register(`linked-${seq}@example.com`);
    const { sub } = await account({
      email: existing.email,
      email_verified: false,
    });
    expect(errorOf(await signInFlow(sub))).toBe('SSO_EMAIL_NOT_VERIFIED');

    await issuer.setAccount(sub, {
      email: existing.email,
      email_verified: true,
      name: 'Linked',
    });
    const auth = await signIn(sub);
    expect(auth.user).toMatchObject({
      id: existing.id,
      auth_source: 'password',
      name: 'Linked',
    });
    // Their password still works.
    expect(
      (
        await t.http.post('/api/auth/login', {
          email: existing.email,
          password: 'user-password-1',
        })
      ).status,
    ).toBe(200);
  });

  it('refuses an email domain outside OIDC_ALLOWED_DOMAINS, creating nobody', async () => {
    const { sub, email } = await account({ email: `x${seq}@elsewhere.test` });
    expect(errorOf(await signInFlow(sub))).toBe('SSO_DOMAIN_NOT_ALLOWED');
    const rows = await t.query('SELECT id FROM users WHERE email = $1', [
      email,
    ]);
    expect(rows).toEqual([]);
  });

  it('refuses a deactivated user', async () => {
    const { sub } = await account();
    const auth = await signIn(sub);
    const off = await t.http.patch(
      `/api/admin/users/${auth.user.id}`,
      { is_active: false },
      { token: adminToken },
    );
    expect(off.status).toBe(200);
    expect(errorOf(await signInFlow(sub))).toBe('SSO_USER_DEACTIVATED');
  });

  it('refuses a return whose state was tampered with, or that another browser started', async () => {
    const { sub } = await account();
    const tampered = await signInFlow(sub, {
      tamper: (u) =>
        u.searchParams.set('state', 'x' + u.searchParams.get('state')),
    });
    expect(errorOf(tampered)).toBe('SSO_STATE_MISMATCH');

    const other = await signInFlow(sub, {
      tamper: () => undefined,
      browser: new (class extends Browser {
        override async go(url: string, init: RequestInit = {}) {
          // The callback arrives without the cookie of the browser that started.
          if (url.includes('/api/auth/sso/callback'))
            this.jar.delete('tally_sso_state');
          return super.go(url, init);
        }
      })(),
    });
    expect(errorOf(other)).toBe('SSO_STATE_MISMATCH');
  });

  it('takes a one-time code once, and not after 60 seconds', async () => {
    const { sub } = await account();
    const code = codeOf(await signInFlow(sub));
    expect((await t.http.post('/api/auth/sso/exchange', { code })).status).toBe(
      200,
    );
    const twice = await t.http.post('/api/auth/sso/exchange', { code });
    expect(twice.status).toBe(400);
    expect(twice.body.code).toBe('SSO_CODE_INVALID');

    const late = codeOf(await signInFlow(sub));
    // 61 seconds later, on the database's clock.
    await t.query(
      `UPDATE sso_codes SET expires_at = expires_at - interval '61 seconds'`,
    );
    const expired = await t.http.post('/api/auth/sso/exchange', {
      code: late,
    });
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('SSO_CODE_INVALID');

    const unknown = await t.http.post('/api/auth/sso/exchange', {
      code: 'no-such-code',
    });
    expect(unknown.body.code).toBe('SSO_CODE_INVALID');
    // Codes are kept hashed.
    const fresh = codeOf(await signInFlow(sub));
    const stored = await t.query<{ code_hash: string }>(
      'SELECT code_hash FROM sso_codes',
    );
    expect(stored.map((r) => r.code_hash)).not.toContain(fresh);
  });

  it('takes return_to only as a path of this app and hands it to the web app', async () => {
    for (const bad of [
      '//evil.example/x',
      'https://evil.example/',
      'chat',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const res = await t.http.get(
        `/api/auth/sso/login?return_to=${encodeURIComponent(bad)}`,
      );
      expect(res.status).toBe(400);
    }
    const { sub } = await account();
    const flow = await signInFlow(sub, { returnTo: '/chat/abc?x=1' });
    codeOf(flow);
    expect(
      new URLSearchParams(flow.location.hash.slice(1)).get('return_to'),
    ).toBe('/chat/abc?x=1');
  });

  it('never demotes the last active admin', async () => {
    const { sub } = await account({ groups: ['Tally-Admins'] });
    const auth = await signIn(sub);
    expect(auth.user.role).toBe('admin');
    // Every other admin is deactivated: this user is the last active one.
    const others = await t.query<{ id: string }>(
      `SELECT id FROM users WHERE role = 'admin' AND is_active AND id <> $1`,
      [auth.user.id],
    );
    for (const o of others) {
      const off = await t.http.patch(
        `/api/admin/users/${o.id}`,
        { is_active: false },
        { token: auth.access_token },
      );
      expect(off.status).toBe(200);
    }
    await issuer.setAccount(sub, {
      email: auth.user.email,
      email_verified: true,
      groups: [],
    });
    const again = await signIn(sub);
    expect(again.user.role).toBe('admin');
    for (const o of others)
      await t.http.patch(
        `/api/admin/users/${o.id}`,
        { is_active: true },
        { token: again.access_token },
      );
    // With another admin active again, the claim's role applies.
    expect((await signIn(sub)).user.role).toBe('user');
    adminToken = await t.login(ADMIN.email, ADMIN.password);
  });
});

describe('PASSWORD_LOGIN=false (PostgreSQL)', () => {
  let open: TestApp;
  let closed: TestApp;

  beforeAll(async () => {
    open = await startTestApp();
    // A second API process on the same database, with password sign-in off.
    closed = await startTestApp({
      database: open.db!,
      env: { PASSWORD_LOGIN: 'false' },
    });
  });
  afterAll(async () => {
    await closed?.close();
    await open?.close();
  });

  it('refuses password login and registration with 403, except the ADMIN_EMAIL account', async () => {
    const user = await open.register('pw-user@example.com');
    const login = await closed.http.post('/api/auth/login', {
      email: user.email,
      password: 'user-password-1',
    });
    expect(login.status).toBe(403);
    expect(login.body.code).toBe('PASSWORD_LOGIN_DISABLED');
    const register = await closed.http.post('/api/auth/register', {
      email: 'new-user@example.com',
      password: 'user-password-1',
    });
    expect(register.status).toBe(403);
    expect(register.body.code).toBe('PASSWORD_LOGIN_DISABLED');
    expect(
      await closed.query('SELECT id FROM users WHERE email = $1', [
        'new-user@example.com',
      ]),
    ).toEqual([]);
    expect((await closed.http.get('/api/auth/registration')).body).toEqual({
      open: false,
    });

    // The admin of ADMIN_EMAIL still signs in with the password (any case of the email).
    const admin = await closed.http.post('/api/auth/login', {
      email: ADMIN.email.toUpperCase(),
      password: ADMIN.password,
    });
    expect(admin.status).toBe(200);

    expect((await closed.http.get('/api/auth/sso')).body).toEqual({
      enabled: false,
      label: 'Single sign-on',
      password_login: false,
    });
    // Without a provider the single sign-on routes are not there.
    expect((await closed.http.get('/api/auth/sso/login')).status).toBe(404);
    expect(
      (await closed.http.post('/api/auth/sso/exchange', { code: 'x' })).status,
    ).toBe(404);
  });
});

describe('single sign-on on PGlite', () => {
  let t: TestApp;
  let issuer: OidcIssuer;
  let publicUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    issuer = await startOidcIssuer({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: `${publicUrl}/api/auth/sso/callback`,
    });
    t = await startTestApp({
      embedded: true,
      env: {
        PORT: String(port),
        PUBLIC_URL: publicUrl,
        OIDC_ISSUER: issuer.url,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await issuer?.close();
  });

  it('signs a new user in with their groups, and takes the code once', async () => {
    await issuer.setAccount('pglite-1', {
      email: 'pg@example.com',
      email_verified: true,
      name: 'Pg',
      groups: ['Embedded'],
    });
    const flow = await ssoFlow({ t, issuer, publicUrl }, 'pglite-1');
    const code = new URLSearchParams(flow.location.hash.slice(1)).get('code');
    const res = await t.http.post('/api/auth/sso/exchange', { code });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({
      email: 'pg@example.com',
      auth_source: 'oidc',
      role: 'user',
    });
    expect(
      (await t.http.post('/api/auth/sso/exchange', { code })).body.code,
    ).toBe('SSO_CODE_INVALID');
    const groups = await t.query(
      `SELECT g.name, g.source FROM group_members m JOIN user_groups g ON g.id = m.group_id
       WHERE m.user_id = $1`,
      [res.body.user.id],
    );
    expect(groups).toEqual([{ name: 'Embedded', source: 'oidc' }]);
  });
});
