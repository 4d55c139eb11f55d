import { sendMessage } from '../support/chat-stream';
import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../support/fake-openai-server';
import { startWebhookReceiver } from '../support/webhook-receiver';
import {
  ADMIN,
  startTestApp,
  TEST_JWT_SECRET,
  type TestApp,
} from '../support/test-app';

const AI_API_KEY = 'sk-live-0123456789abcdefSECRETKEY';
const PASSWORD = 'correct-horse-battery-1';
const WRONG_PASSWORD = 'wrong-horse-battery-2';

/**
 * Everything the API writes while it handles credentials, at LOG_LEVEL=debug:
 * Nest's Logger (which writes to stdout and stderr) and `console`. No
 * password, access token, API key or AI_API_KEY may appear in it, not even
 * when the AI provider's error answer repeats the key.
 */
describe('secrets never reach the log', () => {
  let fake: FakeOpenAi;
  let t: TestApp;
  const logged: string[] = [];
  const spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    const capture =
      (original: (...args: never[]) => unknown) =>
      (...args: unknown[]) => {
        logged.push(
          args.map((a) => (typeof a === 'string' ? a : String(a))).join(' '),
        );
        return (original as (...a: unknown[]) => unknown)(...args);
      };
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      spies.push(
        jest
          .spyOn(stream, 'write')
          .mockImplementation(
            capture(original as never) as typeof stream.write,
          ),
      );
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      spies.push(
        jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          logged.push(args.map(String).join(' '));
        }),
      );
    }
    fake = await startFakeOpenAi();
    t = await startTestApp({
      env: {
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        AI_PROVIDER: 'openai',
        AI_BASE_URL: fake.url,
        AI_API_KEY,
        AI_TIMEOUT_MS: '5000',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    for (const spy of spies) spy.mockRestore();
  });

  it('logs no password, access token, API key or AI_API_KEY', async () => {
    const secrets: string[] = [
      AI_API_KEY,
      PASSWORD,
      WRONG_PASSWORD,
      ADMIN.password,
      TEST_JWT_SECRET,
    ];

    const reg = await t.http.post('/api/auth/register', {
      email: 'secretive@example.com',
      password: PASSWORD,
      name: 'Secretive',
    });
    expect(reg.status).toBe(201);
    secrets.push(reg.body.access_token);
    const login = await t.http.post('/api/auth/login', {
      email: 'secretive@example.com',
      password: PASSWORD,
    });
    expect(login.status).toBe(200);
    const token: string = login.body.access_token;
    secrets.push(token);
    const wrong = await t.http.post('/api/auth/login', {
      email: 'secretive@example.com',
      password: WRONG_PASSWORD,
    });
    expect(wrong.status).toBe(401);
    secrets.push(await t.login());

    const created = await t.http.post(
      '/api/auth/api-keys',
      { name: 'billing' },
      { token },
    );
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    secrets.push(key);
    expect((await t.http.get('/api/auth/me', { token: key })).status).toBe(200);
    const chatId = (await t.http.post('/api/chats', {}, { token: key })).body
      .id;

    // A send through the API key, and one the provider refuses, quoting the key it was given.
    const sent = await sendMessage(t.url, key, chatId, { content: 'hello' });
    expect(sent.events.at(-1)?.event).toBe('done');
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${AI_API_KEY}`);
    fake.setMode('unauthorized');
    const refused = await sendMessage(
      t.url,
      token,
      chatId,
      { content: 'again' },
      { headers: { 'x-request-id': 'refused-send-0001' } },
    );
    expect(refused.headers.get('x-request-id')).toBe('refused-send-0001');
    expect([refused.status, refused.body.code]).toEqual([
      502,
      'AI_PROVIDER_ERROR',
    ]);
    expect(refused.text).not.toContain(AI_API_KEY);

    expect(
      (await t.http.delete(`/api/auth/api-keys/${created.body.id}`, { token }))
        .status,
    ).toBe(204);
    expect((await t.http.get('/api/auth/me', { token: key })).status).toBe(401);
    const forged = `${token.slice(0, -4)}AAAA`;
    secrets.push(forged);
    expect((await t.http.get('/api/auth/me', { token: forged })).status).toBe(
      401,
    );

    const output = logged.join('\n');
    expect(output).not.toContain('\u001b[');
    // The capture works, at debug level, and saw the provider's refusal (redacted).
    expect(output).toContain('Mapped {/api/auth/login, POST} route');
    expect(output).toMatch(/AI answer failed in chat .*HTTP 401.*\*\*\*/);
    for (const secret of secrets) {
      // The whole secret, and its last 16 characters (a cut-off quote would still leak those).
      for (const part of [secret, secret.slice(-16)]) {
        expect([secret, output.includes(part)]).toEqual([secret, false]);
      }
    }
  });

  /** The JSON log lines written so far. */
  function jsonLines(): Record<string, unknown>[] {
    return logged
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('writes JSON lines naming the request id, one access line per request, no secret', async () => {
    const token = await t.login();
    const me = await t.http.get('/api/auth/me', {
      token,
      headers: { 'x-request-id': 'caller-id-0001' },
    });
    expect(me.status).toBe(200);
    expect(me.headers.get('x-request-id')).toBe('caller-id-0001');
    // Not sane (too long, spaces, control characters): a new id instead.
    for (const given of ['x'.repeat(200), 'two words', 'a\tb', '']) {
      const res = await t.http.get('/api/health', {
        headers: { 'x-request-id': given },
      });
      const id = res.headers.get('x-request-id') ?? '';
      expect([given, /^[0-9a-f-]{36}$/.test(id)]).toEqual([given, true]);
    }
    // Every answer has one, errors and the web app's paths included.
    const missing = await t.http.get('/api/nothing-here');
    expect(missing.status).toBe(404);
    const missingId = missing.headers.get('x-request-id');
    expect(missingId).toMatch(/^[0-9a-f-]{36}$/);
    const failedLogin = await t.http.post(
      '/api/auth/login',
      { email: ADMIN.email, password: WRONG_PASSWORD },
      { headers: { 'x-request-id': 'failed-login-0001' } },
    );
    expect(failedLogin.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const lines = jsonLines();
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      expect(typeof line.level).toBe('string');
      expect(typeof line.time).toBe('string');
      expect(typeof line.msg).toBe('string');
    }
    const access = (id: string) =>
      lines.filter((l) => l.request_id === id && 'status' in l);
    expect(access('caller-id-0001')).toEqual([
      expect.objectContaining({
        level: 'info',
        method: 'GET',
        route: '/api/auth/me',
        status: 200,
        user_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        duration_ms: expect.any(Number),
      }),
    ]);
    expect(access(missingId ?? '')).toEqual([
      expect.objectContaining({ method: 'GET', status: 404, user_id: null }),
    ]);
    const login = access('failed-login-0001');
    expect(login).toEqual([
      expect.objectContaining({
        method: 'POST',
        route: '/api/auth/login',
        status: 401,
      }),
    ]);
    expect(JSON.stringify(login)).not.toContain(WRONG_PASSWORD);
    // The provider's refusal in the first test was logged with the id of its request.
    const failure = lines.find((l) =>
      String(l.msg).startsWith('AI answer failed in chat'),
    );
    expect(failure?.request_id).toBe('refused-send-0001');
    expect(access('refused-send-0001')).toEqual([
      expect.objectContaining({ level: 'error', method: 'POST', status: 502 }),
    ]);
    // Nest's own logs come out as JSON lines too.
    expect(lines).toContainEqual(
      expect.objectContaining({
        context: 'RouterExplorer',
        msg: 'Mapped {/api/auth/login, POST} route',
      }),
    );
    expect(logged.join('')).not.toContain(token);
  });

  it('logs no alert webhook secret, whether set, refused or used to sign', async () => {
    const secret = 'whsec-never-logged-0123456789abcdef';
    const admin = await t.login();
    const receiver = await startWebhookReceiver([500]);
    try {
      const refused = await t.http.patch(
        '/api/admin/settings',
        { alert_webhook_secret: secret, alert_thresholds: [0] },
        { token: admin },
      );
      expect(refused.status).toBe(400);
      expect(refused.text).not.toContain(secret);
      const set = await t.http.patch(
        '/api/admin/settings',
        { alert_webhook_url: receiver.url, alert_webhook_secret: secret },
        { token: admin },
      );
      expect(set.status).toBe(200);
      const test = await t.http.post('/api/admin/alerts/test', undefined, {
        token: admin,
      });
      expect(test.body).toMatchObject({ delivered: false, status: 500 });
      expect(receiver.received).toHaveLength(1);
      await t.http.patch(
        '/api/admin/settings',
        { alert_webhook_url: null, alert_webhook_secret: null },
        { token: admin },
      );
    } finally {
      await receiver.close();
    }
    const output = logged.join('\n');
    expect(output).toContain('/api/admin/alerts/test');
    for (const part of [secret, secret.slice(-16)])
      expect(output.includes(part)).toBe(false);
  });
});
