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
      expect([key, codes.some((c) => /^2/.test(c))]).toEqual([key, true]);
      if (publicOps.has(key)) continue;
      expect([key, op.security]).toEqual([key, [{ bearer: [] }]]);
      expect([key, codes.includes('401')]).toEqual([key, true]);
      if (key.includes('/api/admin/'))
        expect([key, codes.includes('403')]).toEqual([key, true]);
      if (['POST', 'PATCH'].includes(key.split(' ')[0]))
        expect([key, codes.includes('400')]).toEqual([key, true]);
    }
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
