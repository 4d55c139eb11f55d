import { sendMessage } from '../support/chat-stream';
import { sql } from '../support/test-db';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Details of API.md's conventions that a route could get wrong on its own:
 * unknown query parameters and inherited keys are unknown fields (400),
 * paging takes decimal numbers only, credentials are never cached, and the
 * OpenAPI document states the wire formats.
 */
describe('API conventions (PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let user: { token: string; id: string };
  let chatId: string;
  const db = (text: string, params: unknown[] = []) =>
    sql(t.db?.url ?? '', text, params);
  const rowCounts = async () =>
    (
      await db(
        `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM chats)::int AS chats,
                (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM api_keys)::int AS api_keys,
                (SELECT count(*) FROM usage_daily)::int AS usage`,
      )
    )[0];

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
    user = await t.register();
    chatId = (await t.http.post('/api/chats', {}, { token: user.token })).body
      .id;
  });
  afterAll(() => t?.close());

  it('refuses a query parameter that the route does not take, and changes nothing', async () => {
    const before = await rowCounts();
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/chats'],
      ['POST', '/api/chats', { title: 'Never' }],
      ['GET', '/api/chats/quota'],
      ['GET', `/api/chats/${chatId}`],
      ['PATCH', `/api/chats/${chatId}`, { title: 'Never' }],
      ['DELETE', `/api/chats/${chatId}`],
      ['GET', '/api/auth/me'],
      ['GET', '/api/auth/api-keys'],
      ['POST', '/api/auth/api-keys', { name: 'never' }],
      ['GET', '/api/health'],
    ];
    for (const [method, path, body] of routes) {
      const res = await t.http.request(method, `${path}?page_sise=10`, body, {
        token: user.token,
      });
      expect([method, path, res.status, res.body]).toEqual([
        method,
        path,
        400,
        {
          statusCode: 400,
          error: 'Bad Request',
          code: 'VALIDATION_FAILED',
          message: ['property page_sise should not exist'],
        },
      ]);
    }
    for (const [method, path, body] of [
      ['GET', '/api/admin/settings'],
      ['PATCH', '/api/admin/settings', { allow_registration: false }],
    ] as Array<[string, string, unknown?]>) {
      const res = await t.http.request(method, `${path}?x=1`, body, {
        token: admin,
      });
      expect([method, path, res.status]).toEqual([method, path, 400]);
    }
    // A send with an unknown parameter is refused before anything is reserved or stored.
    const send = await sendMessage(
      t.url,
      user.token,
      chatId,
      { content: 'hello' },
      { query: '?stream=false&verbose=1' },
    );
    expect([send.status, send.body.message]).toEqual([
      400,
      ['property verbose should not exist'],
    ]);
    expect(await rowCounts()).toEqual(before);
    expect(
      (await t.http.get('/api/admin/settings', { token: admin })).body
        .allow_registration,
    ).toBe(true);
    // The parameters a route does take still work.
    expect(
      (
        await sendMessage(
          t.url,
          user.token,
          chatId,
          { content: 'hello' },
          { query: '?stream=false' },
        )
      ).status,
    ).toBe(200);
  });

  it('refuses inherited keys such as __proto__ as unknown fields, in bodies and queries', async () => {
    const before = await rowCounts();
    for (const key of ['__proto__', 'constructor', 'toString', 'valueOf']) {
      const raw = `{"${key}": {"title": "x"}}`;
      const created = await t.http.post('/api/chats', undefined, {
        token: user.token,
        raw,
      });
      expect([key, created.status, created.body.message]).toEqual([
        key,
        400,
        [`property ${key} should not exist`],
      ]);
      const settings = await t.http.patch('/api/admin/settings', undefined, {
        token: admin,
        raw: `{"${key}": 1, "allow_registration": false}`,
      });
      expect([key, settings.status]).toEqual([key, 400]);
      const listed = await t.http.get(`/api/admin/users?${key}=1`, {
        token: admin,
      });
      expect([key, listed.status, listed.body.message]).toEqual([
        key,
        400,
        [`property ${key} should not exist`],
      ]);
    }
    expect(await rowCounts()).toEqual(before);
    expect(
      (await t.http.get('/api/admin/settings', { token: admin })).body
        .allow_registration,
    ).toBe(true);
  });

  it('answers who may call a route before what its query string holds', async () => {
    // Without credentials: 401, whatever the query says.
    const anonymous = await t.http.get('/api/chats?page_sise=10');
    expect([anonymous.status, anonymous.body.code]).toEqual([
      401,
      'UNAUTHORIZED',
    ]);
    // A user on an admin route: 403, not the query's 400.
    const notAdmin = await t.http.get('/api/admin/settings?x=1', {
      token: user.token,
    });
    expect([notAdmin.status, notAdmin.body.code]).toEqual([403, 'FORBIDDEN']);
    // A public route checks the query at once.
    const health = await t.http.get('/api/health?x=1');
    expect([health.status, health.body.message]).toEqual([
      400,
      ['property x should not exist'],
    ]);
  });

  it('takes page numbers written in decimal digits only', async () => {
    for (const q of [
      'page=0x1',
      'page=1e0',
      'page=%201',
      'page=%2B1',
      'page_size=1.0',
      'page_size=5e1',
      'page=1&page=1',
    ]) {
      for (const path of ['/api/admin/users', '/api/admin/usage']) {
        const res = await t.http.get(`${path}?${q}`, { token: admin });
        expect([path, q, res.status]).toEqual([path, q, 400]);
      }
    }
    const ok = await t.http.get('/api/admin/users?page=01&page_size=007', {
      token: admin,
    });
    expect([ok.status, ok.body.page, ok.body.page_size]).toEqual([200, 1, 7]);
  });

  it('refuses a null chat title and a blank API key name, and trims key names', async () => {
    const before = await rowCounts();
    const nullTitle = await t.http.post(
      '/api/chats',
      { title: null },
      { token: user.token },
    );
    expect([nullTitle.status, nullTitle.body.code]).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    for (const name of ['', '   ', '\t\n']) {
      const res = await t.http.post(
        '/api/auth/api-keys',
        { name },
        { token: user.token },
      );
      expect([name, res.status]).toEqual([name, 400]);
    }
    expect(await rowCounts()).toEqual(before);
    const key = await t.http.post(
      '/api/auth/api-keys',
      { name: '  billing  ' },
      { token: user.token },
    );
    expect([key.status, key.body.name]).toEqual([201, 'billing']);
  });

  it('answers every send, streamed or JSON, with the RateLimit headers of the quota it leaves', async () => {
    const u = await t.register();
    const chat = (await t.http.post('/api/chats', {}, { token: u.token })).body
      .id;
    for (const query of ['', '?stream=false']) {
      const res = await sendMessage(
        t.url,
        u.token,
        chat,
        { content: 'hello' },
        { query },
      );
      expect(res.status).toBe(200);
      const quota = await t.http.get('/api/chats/quota', { token: u.token });
      expect([
        query,
        res.headers.get('ratelimit-policy'),
        res.headers.get('ratelimit')?.replace(/;t=\d+/g, ''),
      ]).toEqual([
        query,
        quota.headers.get('ratelimit-policy'),
        // A streamed answer's headers leave before it is settled: its tokens are still held then.
        query
          ? quota.headers.get('ratelimit')?.replace(/;t=\d+/g, '')
          : expect.stringMatching(
              /^"daily-messages";r=\d+, "daily-tokens";r=\d+$/,
            ),
      ]);
    }
  });

  it('answers that carry a credential are never cached', async () => {
    const reg = await t.http.post('/api/auth/register', {
      email: 'no-store@example.com',
      password: 'password-123',
    });
    const login = await t.http.post('/api/auth/login', {
      email: 'no-store@example.com',
      password: 'password-123',
    });
    const key = await t.http.post(
      '/api/auth/api-keys',
      { name: 'cached?' },
      { token: login.body.access_token },
    );
    expect(
      [reg, login, key].map((r) => [r.status, r.headers.get('cache-control')]),
    ).toEqual([
      [201, 'no-store'],
      [200, 'no-store'],
      [201, 'no-store'],
    ]);
  });

  describe('the OpenAPI document', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the parsed document
    let doc: any;
    beforeAll(async () => {
      doc = (await t.http.get('/api/docs-json')).body;
    });

    it('documents 400 on every operation (unknown query parameters too), 415 on those with a body', () => {
      for (const [path, methods] of Object.entries(
        doc.paths as Record<
          string,
          Record<string, { responses: object; requestBody?: object }>
        >,
      )) {
        for (const [method, op] of Object.entries(methods)) {
          expect([
            method,
            path,
            '400' in op.responses,
            '415' in op.responses,
          ]).toEqual([method, path, true, op.requestBody !== undefined]);
        }
      }
      expect(
        doc.paths['/api/chats'].get.responses['400'].description,
      ).toContain('query parameter the route does not take');
    });

    it('says what `used` counts: messages in progress, settled tokens only', () => {
      const { QuotaCounterDto, QuotaDto } = doc.components.schemas;
      const used = QuotaCounterDto.properties.used.description.replace(
        /\s+/g,
        ' ',
      );
      expect(used).toMatch(
        /Messages: every accepted send, those still in progress included/,
      );
      expect(used).toMatch(/Tokens: settled tokens only/);
      expect(used).not.toMatch(/^Settled today/);
      expect(QuotaDto.properties.resets_at).toMatchObject({
        type: 'string',
        format: 'date-time',
      });
    });

    it('types whole numbers as integers, timestamps as date-time, days as date, ids as uuid', () => {
      const s = doc.components.schemas;
      const expectType = (
        schema: string,
        field: string,
        type: string,
        format?: string,
      ) =>
        expect([schema, field, s[schema].properties[field]]).toEqual([
          schema,
          field,
          expect.objectContaining(format ? { type, format } : { type }),
        ]);
      for (const field of ['used', 'limit', 'remaining'])
        expectType('QuotaCounterDto', field, 'integer');
      for (const field of [
        'prompt_tokens',
        'completion_tokens',
        'total_tokens',
      ])
        expectType('UsageDto', field, 'integer');
      for (const field of ['total', 'page', 'page_size']) {
        expectType('AdminUserListDto', field, 'integer');
        expectType('UsageReportDto', field, 'integer');
      }
      expectType(
        'AdminUserDto',
        'effective_max_ai_messages_per_day',
        'integer',
      );
      expectType('AdminUserDto', 'effective_max_ai_tokens_per_day', 'integer');
      expectType('SettingsDto', 'max_concurrent_streams_per_user', 'integer');
      expectType('UsageReportItemDto', 'tokens', 'integer');
      expectType('UsageTotalsDto', 'active_users', 'integer');
      expectType('UsageHistoryItemDto', 'messages', 'integer');
      expectType('AuthResponseDto', 'expires_in', 'integer');
      expectType('UserDto', 'created_at', 'string', 'date-time');
      expectType('ChatDto', 'updated_at', 'string', 'date-time');
      expectType('MessageDto', 'created_at', 'string', 'date-time');
      expectType('ApiKeyDto', 'last_used_at', 'string', 'date-time');
      expectType('UsageReportDto', 'date', 'string', 'date');
      expectType('UsageHistoryItemDto', 'date', 'string', 'date');
      expectType('UserDto', 'id', 'string', 'uuid');
      expectType('MessageDto', 'chat_id', 'string', 'uuid');
      expectType('UsageReportItemDto', 'user_id', 'string', 'uuid');
      const page = doc.paths['/api/admin/users'].get.parameters.find(
        (p: { name: string }) => p.name === 'page_size',
      );
      expect(page.schema).toMatchObject({
        type: 'integer',
        minimum: 1,
        maximum: 200,
      });
    });

    it("documents a user's fields alike wherever a body takes them", () => {
      const s = doc.components.schemas;
      for (const field of ['email', 'password', 'name']) {
        expect([field, s.CreateUserDto.properties[field]]).toEqual([
          field,
          s.RegisterDto.properties[field],
        ]);
      }
      expect(s.RegisterDto.properties.email).toMatchObject({
        type: 'string',
        format: 'email',
        maxLength: 254,
      });
      expect(s.LoginDto.properties.email).toEqual(
        s.RegisterDto.properties.email,
      );
      expect(s.UpdateUserDto.properties.name).toEqual(
        s.RegisterDto.properties.name,
      );
      expect(s.UpdateUserDto.properties.role.enum).toEqual(['user', 'admin']);
    });

    it('documents the headers of a send, of its 429 and of the login 429', () => {
      const send = doc.paths['/api/chats/{id}/messages'].post;
      expect(Object.keys(send.responses['200'].headers).sort()).toEqual([
        'RateLimit',
        'RateLimit-Policy',
      ]);
      expect(Object.keys(send.responses['429'].headers).sort()).toEqual([
        'RateLimit',
        'RateLimit-Policy',
        'Retry-After',
      ]);
      expect(
        send.parameters.find((p: { name: string }) => p.name === 'stream'),
      ).toMatchObject({
        in: 'query',
        required: false,
        schema: { enum: ['true', 'false'] },
      });
      const login = doc.paths['/api/auth/login'].post.responses;
      expect(Object.keys(login['429'].headers)).toEqual(['Retry-After']);
      expect(login['200'].headers['Cache-Control']).toBeDefined();
      expect(Object.keys(login)).toContain('503');
      expect(
        Object.keys(doc.paths['/api/auth/register'].post.responses),
      ).toContain('503');
    });
  });
});
