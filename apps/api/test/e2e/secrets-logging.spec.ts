import { sendMessage } from '../support/chat-stream';
import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../support/fake-openai-server';
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
    const refused = await sendMessage(t.url, token, chatId, {
      content: 'again',
    });
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
});
