import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A JSON body nested deeper than 64 levels is a 400 in API.md's error
 * shape, refused before anything reads it: without logging in, on every
 * route that takes a body, and without a stack trace in the log.
 */
describe('deeply nested JSON bodies', () => {
  let t: TestApp;
  let token: string;
  const written: string[] = [];
  const spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream) as (
        ...a: unknown[]
      ) => boolean;
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation(((
          ...args: unknown[]
        ) => {
          written.push(String(args[0]));
          return original(...args);
        }) as typeof stream.write),
      );
    }
  });
  afterAll(async () => {
    for (const spy of spies) spy.mockRestore();
    await t?.close();
  });

  const nested = (depth: number, open = '[', close = ']') =>
    open.repeat(depth) + close.repeat(depth);

  it('answers 400 JSON_TOO_DEEP to 65 levels and more, logged in or not', async () => {
    const bodies = [
      nested(5000),
      nested(65),
      '{"email":' + nested(100, '{"a":', '}').replace(/\{"a":\}/, '{"a":1}'),
      `{"email":"a@example.com","password":${'{"x":'.repeat(70)}1${'}'.repeat(70)}}`,
    ];
    for (const [path, auth] of [
      ['/api/auth/login', undefined],
      ['/api/auth/register', undefined],
      ['/api/chats', token],
      ['/api/admin/settings', token],
    ] as const) {
      for (const raw of bodies) {
        const method = path === '/api/admin/settings' ? 'PATCH' : 'POST';
        const res = await t.http.request(method, path, undefined, {
          raw,
          token: auth,
        });
        expect([path, raw.slice(0, 20), res.status, res.body.code]).toEqual([
          path,
          raw.slice(0, 20),
          400,
          'JSON_TOO_DEEP',
        ]);
        expect(res.body.message).toContain('64');
      }
    }
    // 64 levels are read, and refused by validation as any wrong body is.
    const deepest = await t.http.request('POST', '/api/auth/login', undefined, {
      raw: nested(64),
    });
    expect(deepest.status).toBe(400);
    expect(deepest.body.code).not.toBe('JSON_TOO_DEEP');
    // Brackets inside strings do not count.
    const login = await t.http.request('POST', '/api/auth/login', undefined, {
      raw: JSON.stringify({
        email: 'nobody@example.com',
        password: '[{'.repeat(50),
      }),
    });
    expect(login.status).toBe(401);

    const log = written.join('');
    expect(log).not.toMatch(/\n\s+at /);
    expect(log).not.toMatch(/RangeError|Maximum call stack/);
  });
});
