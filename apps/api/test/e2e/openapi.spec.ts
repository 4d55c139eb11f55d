import { startTestApp, type TestApp } from '../support/test-app';

describe('OpenAPI and operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves the OpenAPI document and UI', async () => {
    const ui = await t.http.get('/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const doc = await t.http.get('/api/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('documents every endpoint with its auth and error answers', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    const publicOps = new Set([
      'POST /api/auth/register',
      'POST /api/auth/login',
      'GET /api/auth/registration',
      'GET /api/auth/sso',
      'GET /api/auth/sso/login',
      'GET /api/auth/sso/callback',
      'POST /api/auth/sso/exchange',
      'GET /api/health',
    ]);
    const ops = Object.entries(
      doc.paths as Record<string, Record<string, any>>,
    ).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        op,
      })),
    );
    expect(ops.map((o) => o.key)).toEqual(
      expect.arrayContaining([
        'POST /api/auth/register',
        'POST /api/auth/login',
        'GET /api/auth/me',
        'GET /api/auth/api-keys',
        'POST /api/auth/api-keys',
        'DELETE /api/auth/api-keys/{id}',
        'GET /api/admin/users',
        'POST /api/admin/users',
        'PATCH /api/admin/users/{id}',
        'GET /api/admin/settings',
        'PATCH /api/admin/settings',
        'GET /api/health',
      ]),
    );
    for (const { key, op } of ops) {
      const codes = Object.keys(op.responses);
      // A success, or a redirect (single sign-on's trips to the provider and back).
      expect([key, codes.some((c) => /^2|^302$/.test(c))]).toEqual([key, true]);
      if (publicOps.has(key)) continue;
      expect([key, op.security]).toEqual([key, [{ bearer: [] }]]);
      expect([key, codes.includes('401')]).toEqual([key, true]);
      if (key.includes('/api/admin/'))
        expect([key, codes.includes('403')]).toEqual([key, true]);
      if (['POST', 'PATCH'].includes(key.split(' ')[0]))
        expect([key, codes.includes('400')]).toEqual([key, true]);
    }
  });

  it('gives every operation a summary and a readable, unique operationId', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    const ops = Object.entries(
      doc.paths as Record<string, Record<string, any>>,
    ).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        op,
      })),
    );
    for (const { key, op } of ops) {
      expect([key, typeof op.summary, op.summary?.length > 0]).toEqual([
        key,
        'string',
        true,
      ]);
      // `sendMessage`, not Nest's `ChatController_send`.
      expect([key, op.operationId]).toEqual([
        key,
        expect.stringMatching(/^[a-z][a-zA-Z0-9]*$/),
      ]);
    }
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const byKey = Object.fromEntries(
      ops.map(({ key, op }) => [key, op.operationId]),
    );
    expect(byKey).toMatchObject({
      'POST /api/chats/{id}/messages': 'sendMessage',
      'GET /api/chats': 'listChats',
      'GET /api/chats/quota': 'getQuota',
      'POST /api/auth/login': 'login',
      'GET /api/admin/users': 'listUsers',
      'GET /api/health': 'getHealth',
    });
  });

  it('says public routes need no credentials, and declares every path parameter', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    for (const [path, method] of [
      ['/api/auth/register', 'post'],
      ['/api/auth/login', 'post'],
      ['/api/health', 'get'],
    ]) {
      expect([path, doc.paths[path][method].security]).toEqual([path, []]);
      expect(doc.paths[path][method]).not.toHaveProperty('x-tally-public');
    }
    for (const [path, methods] of Object.entries(
      doc.paths as Record<string, Record<string, any>>,
    )) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(methods)) {
        const declared = (op.parameters ?? [])
          .filter((p: { in: string }) => p.in === 'path')
          .map((p: { name: string }) => p.name);
        expect([method, path, declared.sort()]).toEqual([
          method,
          path,
          [...names].sort(),
        ]);
      }
    }
    expect(
      doc.paths['/api/chats/{id}/messages'].post.parameters.find(
        (p: { name: string }) => p.name === 'id',
      ),
    ).toMatchObject({ in: 'path', required: true });
  });

  it('lists 415 only where there is a body, and the error schema has `code`', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    for (const [path, methods] of Object.entries(
      doc.paths as Record<string, Record<string, any>>,
    )) {
      for (const [method, op] of Object.entries(methods)) {
        expect([method, path, '415' in op.responses]).toEqual([
          method,
          path,
          'requestBody' in op,
        ]);
      }
    }
    expect(doc.paths['/api/chats'].post.responses['415']).toBeDefined();
    expect(doc.paths['/api/chats'].get.responses['415']).toBeUndefined();
    const error = doc.components.schemas.ErrorDto;
    expect(Object.keys(error.properties).sort()).toEqual([
      'code',
      'error',
      'message',
      'statusCode',
    ]);
    expect(error.properties.code).toMatchObject({ type: 'string' });
    expect(error.properties.code.description).toMatch(/Machine-readable/);
    expect(error.required).toEqual(
      expect.arrayContaining(['statusCode', 'error', 'message']),
    );
  });

  it('has a licence and a server, and uses the event schemas of the stream', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    expect(doc.info.license).toMatchObject({ name: 'MIT' });
    expect(doc.servers).toEqual([
      expect.objectContaining({ url: expect.any(String) }),
    ]);
    const stream =
      doc.paths['/api/chats/{id}/messages'].post.responses['200'].content[
        'text/event-stream'
      ].schema;
    expect(
      stream.oneOf.map(
        (e: {
          properties: { event: { enum: string[] }; data: { $ref: string } };
        }) => [
          e.properties.event.enum[0],
          e.properties.data.$ref.split('/').pop(),
        ],
      ),
    ).toEqual([
      ['user_message', 'MessageDto'],
      ['delta', 'DeltaEventDto'],
      ['done', 'DoneEventDto'],
      ['error', 'ErrorEventDto'],
    ]);
  });

  it('describes DTO fields and their constraints', async () => {
    const { schemas } = (await t.http.get('/api/docs-json')).body.components;
    expect(schemas.RegisterDto.required).toEqual(
      expect.arrayContaining(['email', 'password']),
    );
    expect(schemas.RegisterDto.properties.password).toMatchObject({
      minLength: 8,
      maxLength: 128,
    });
    expect(
      schemas.UpdateSettingsDto.properties.max_concurrent_streams_per_user,
    ).toMatchObject({ minimum: 1, maximum: 100 });
    expect(schemas.AuthResponseDto.properties).toHaveProperty('access_token');
    expect(schemas.UserDto.properties.role.enum).toEqual(['user', 'admin']);
  });

  it('documents the pages of the chat list: limit, before and next_cursor', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    const op = doc.paths['/api/chats'].get;
    const param = (name: string) =>
      op.parameters.find((p: { name: string }) => p.name === name);
    expect(param('limit')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    });
    expect(param('before')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'string' },
    });
    expect(param('before').description).toContain('next_cursor');
    expect(op.description).toContain('next_cursor');
    const list = doc.components.schemas.ChatListDto;
    expect(list.required).toEqual(
      expect.arrayContaining(['items', 'next_cursor']),
    );
    expect(list.properties.next_cursor).toMatchObject({
      type: 'string',
      nullable: true,
    });
  });

  it("describes an API key's expiry and its rotation", async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    const { schemas } = doc.components;
    const time = { type: 'string', format: 'date-time', nullable: true };
    expect(schemas.ApiKeyDto.properties.expires_at).toMatchObject(time);
    expect(schemas.ApiKeyDto.required).toContain('expires_at');
    expect(schemas.CreateApiKeyDto.properties.expires_at).toMatchObject(time);
    expect(schemas.UpdateApiKeyDto.properties.expires_at).toMatchObject(time);
    expect(schemas.RotateApiKeyDto.properties.grace_seconds).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: 86400,
    });
    const rotate = doc.paths['/api/auth/api-keys/{id}/rotate'].post;
    expect(rotate.operationId).toBe('rotateApiKey');
    expect(rotate.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/RotateApiKeyDto',
    );
    expect(
      rotate.responses['200'].content['application/json'].schema.$ref,
    ).toBe('#/components/schemas/CreatedApiKeyDto');
    expect(Object.keys(rotate.responses)).toEqual(
      expect.arrayContaining(['400', '401', '403', '404']),
    );
  });

  it('exposes Prometheus metrics at /metrics', async () => {
    await t.http.get('/api/health');
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text).toContain(
      'tally_http_requests_total{method="GET",route="/api/health",status="200"}',
    );
    expect(res.text).toContain('tally_quota_rejections_total');
  });

  it('counts requests refused by a guard or unmatched too', async () => {
    await t.http.get('/api/auth/me');
    await t.http.get('/api/no-such-route');
    const res = await t.http.get('/metrics');
    expect(res.text).toContain(
      'tally_http_requests_total{method="GET",route="/api/auth/me",status="401"}',
    );
    expect(res.text).toMatch(
      /tally_http_requests_total\{method="GET",route="[^"]*",status="404"\} [1-9]/,
    );
  });
});
