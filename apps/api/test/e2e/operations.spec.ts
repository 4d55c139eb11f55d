import { startTestApp, type TestApp } from '../support/test-app';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** API.md "Operations": /metrics behind METRICS_TOKEN. */
describe('operations (PostgreSQL)', () => {
  let t: TestApp;
  let open: TestApp;

  beforeAll(async () => {
    [t, open] = await Promise.all([
      startTestApp({ env: { METRICS_TOKEN } }),
      startTestApp(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), open?.close()]);
  });

  describe('METRICS_TOKEN', () => {
    it('with it set, /metrics needs Authorization: Bearer <METRICS_TOKEN>', async () => {
      const admin = await t.login();
      for (const headers of [
        {},
        { authorization: `Bearer ${METRICS_TOKEN}x` },
        { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` },
        { authorization: METRICS_TOKEN },
        { authorization: `Basic ${METRICS_TOKEN}` },
        { authorization: `Bearer ${admin}` },
      ]) {
        const res = await t.http.get('/metrics', { headers });
        expect([headers, res.status, res.body.code]).toEqual([
          headers,
          401,
          'UNAUTHORIZED',
        ]);
        expect(res.headers.get('www-authenticate')).toBe(
          'Bearer realm="metrics"',
        );
        expect(res.text).not.toContain('http_requests_total');
      }
      const ok = await t.http.get('/metrics', {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(ok.text).toContain('# TYPE');
    });

    it('with it set, a caller without the token hears 401 before any word about the query string', async () => {
      const wrong = await t.http.get('/metrics?x=1', {
        headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
      });
      expect([wrong.status, wrong.body.code]).toEqual([401, 'UNAUTHORIZED']);
      const right = await t.http.get('/metrics?x=1', {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(right.status).toBe(400);
      expect(right.text).not.toContain('# TYPE');
    });

    it('without it, /metrics is open', async () => {
      const res = await open.http.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toContain('# TYPE');
    });
  });
});
