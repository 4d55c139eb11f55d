import { sql } from '../support/test-db';
import { startTestApp, type TestApp } from '../support/test-app';

/** Bad input gets a clear 4xx in API.md's error shape and changes nothing. */
describe('validation matrix (PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  const count = async () =>
    (await sql(t.db!.url, 'SELECT count(*)::int AS n FROM users'))[0]
      .n as number;

  beforeAll(async () => {
    t = await startTestApp({ env: { BODY_LIMIT_BYTES: '4096' } });
    admin = await t.login();
  });
  afterAll(() => t.close());

  const cases: Array<[string, unknown, RegExp]> = [
    [
      'unknown field',
      { email: 'a@example.com', password: 'password-1', role: 'admin' },
      /property role should not exist/,
    ],
    ['missing email', { password: 'password-1' }, /email must be an email/],
    [
      'email wrong type',
      { email: 42, password: 'password-1' },
      /email must be an email/,
    ],
    [
      'bad email',
      { email: 'not an email', password: 'password-1' },
      /email must be an email/,
    ],
    [
      'password too short',
      { email: 'a@example.com', password: 'short' },
      /password must be longer than or equal to 8/,
    ],
    [
      'password too long',
      { email: 'a@example.com', password: 'x'.repeat(129) },
      /password must be shorter than or equal to 128/,
    ],
    [
      'password wrong type',
      { email: 'a@example.com', password: 12345678 },
      /password must be a string/,
    ],
    [
      'name too long',
      { email: 'a@example.com', password: 'password-1', name: 'n'.repeat(101) },
      /name must be shorter/,
    ],
    [
      'email too long',
      { email: `${'e'.repeat(250)}@example.com`, password: 'password-1' },
      /email must be shorter/,
    ],
    ['array body', [], /./],
    ['null body', null, /./],
  ];

  it.each(cases)(
    'register with %s is 400 and creates nothing',
    async (_name, body, message) => {
      const before = await count();
      const res = await t.http.post('/api/auth/register', undefined, {
        raw: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(res.body.message)).toMatch(message);
      expect(await count()).toBe(before);
    },
  );

  it('lists every problem at once', async () => {
    const res = await t.http.post('/api/auth/register', {
      email: 'bad',
      password: 1,
      extra: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining([
        'property extra should not exist',
        'email must be an email',
        'password must be a string',
      ]),
    );
  });

  it('malformed JSON is 400', async () => {
    const res = await t.http.post('/api/auth/login', undefined, {
      raw: '{"email": "a@example.com", ',
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      code: 'MALFORMED_JSON',
    });
  });

  it('a body over the limit is 413 and creates nothing', async () => {
    const before = await count();
    const res = await t.http.post('/api/auth/register', {
      email: 'big@example.com',
      password: 'password-1',
      name: 'x'.repeat(5000),
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      statusCode: 413,
      error: 'Payload Too Large',
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await count()).toBe(before);
  });

  it('an unknown route is a 404 in JSON', async () => {
    for (const [method, path] of [
      ['GET', '/api/nope'],
      ['POST', '/api/auth/nope'],
      ['DELETE', '/api/admin/users'],
    ]) {
      const res = await t.http.request(method, path, undefined, {
        token: admin,
      });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
  });

  it('malformed ids are 400, unknown ids 404', async () => {
    for (const id of [
      '123',
      'not-a-uuid',
      "1' OR '1'='1",
      '00000000-0000-0000-0000-00000000000g',
    ]) {
      const res = await t.http.patch(
        `/api/admin/users/${encodeURIComponent(id)}`,
        { name: 'x' },
        { token: admin },
      );
      expect([id, res.status]).toEqual([id, 400]);
    }
    const res = await t.http.patch(
      '/api/admin/users/5b0c5c1e-8c1e-4b8a-9a57-7d0b2c3f4e5a',
      { name: 'x' },
      { token: admin },
    );
    expect(res.status).toBe(404);
  });

  it('wrong types in admin bodies are 400 and change nothing', async () => {
    const user = await t.register();
    for (const body of [
      { is_active: 'false' },
      { is_active: 0 },
      { role: ['admin'] },
      { name: 12 },
      { name: null },
    ]) {
      const res = await t.http.patch(`/api/admin/users/${user.id}`, body, {
        token: admin,
      });
      expect([body, res.status]).toEqual([body, 400]);
    }
    const [row] = await sql(
      t.db!.url,
      'SELECT is_active, role, name FROM users WHERE id = $1',
      [user.id],
    );
    expect(row).toEqual({ is_active: true, role: 'user', name: '' });
  });

  it('a body that is not JSON is refused with 415, not left unread', async () => {
    const token = (await t.register()).token;
    for (const headers of [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/json; charset=latin1' },
      {},
    ]) {
      const res = await fetch(`${t.url}/api/chats`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, ...headers },
        body: 'title=Lisbon',
      });
      expect([headers, res.status, await res.json()]).toEqual([
        headers,
        415,
        expect.objectContaining({
          statusCode: 415,
          error: 'Unsupported Media Type',
          code: 'UNSUPPORTED_MEDIA_TYPE',
        }),
      ]);
    }
    // Each would have made an untitled chat if its body had been taken for an empty one.
    expect((await t.http.get('/api/chats', { token })).body.items).toEqual([]);
  });
});
