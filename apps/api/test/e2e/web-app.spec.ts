import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertTestDatabase } from '../support/test-db';
import { startTestApp, type TestApp } from '../support/test-app';

/** The production server: the built web app at `/` with the single-page fallback, the API under `/api`. */
describe('serving the web app', () => {
  let t: TestApp;
  beforeAll(async () => {
    const web = mkdtempSync(join(tmpdir(), 'tally-web-'));
    writeFileSync(
      join(web, 'index.html'),
      '<!doctype html><title>Tally</title><app-root></app-root>',
    );
    mkdirSync(join(web, 'i18n'));
    writeFileSync(join(web, 'i18n', 'en.json'), '{"hello":"Hello"}');
    t = await startTestApp({ env: { WEB_DIR: web } });
  });
  afterAll(() => t.close());

  it('serves index.html at / and for client-side routes', async () => {
    for (const path of [
      '/',
      '/chat',
      '/chat/5b0c5c1e-8c1e-4b8a-9a57-7d0b2c3f4e5a',
      '/admin/usage?date=2026-11-28',
    ]) {
      const res = await fetch(t.url + path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('<app-root>');
    }
  });

  it('serves static files as they are', async () => {
    const res = await fetch(`${t.url}/i18n/en.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'Hello' });
  });

  it('sends the security headers on every answer', async () => {
    for (const [method, path, status] of [
      ['GET', '/', 200],
      ['GET', '/chat', 200],
      ['GET', '/i18n/en.json', 200],
      ['GET', '/api/health', 200],
      ['GET', '/api/nope', 404],
      ['GET', '/api/auth/me', 401],
      ['POST', '/api/auth/login', 415],
      ['GET', '/metrics', 200],
      ['GET', '/api/docs', 200],
      ['GET', '/api/docs-json', 200],
    ] as const) {
      const res = await fetch(t.url + path, {
        method,
        ...(method === 'POST'
          ? { body: 'x=1', headers: { 'content-type': 'text/plain' } }
          : {}),
      });
      const h = (name: string) => res.headers.get(name);
      expect([path, res.status]).toEqual([path, status]);
      expect([path, h('x-content-type-options')]).toEqual([path, 'nosniff']);
      expect([path, h('referrer-policy')]).toEqual([path, 'no-referrer']);
      expect([path, h('x-frame-options')]).toEqual([path, 'DENY']);
      const csp = new Map(
        (h('content-security-policy') ?? '')
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .map(([name, ...values]) => [name, values.join(' ')]),
      );
      expect([path, csp.get('frame-ancestors')]).toEqual([path, "'none'"]);
      expect([path, csp.get('script-src')]).toEqual([path, "'self'"]);
      expect([path, csp.get('default-src')]).toEqual([path, "'self'"]);
      expect([path, csp.get('object-src')]).toEqual([path, "'none'"]);
      expect(h('x-powered-by')).toBeNull();
      await res.arrayBuffer();
    }
  });

  it('keeps the API and metrics out of the fallback', async () => {
    const api = await fetch(`${t.url}/api/nope`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${t.url}/api/health`)).status).toBe(200);
    expect(
      (await fetch(`${t.url}/metrics`)).headers.get('content-type'),
    ).toContain('text/plain');
  });
});

describe('test database guard', () => {
  it('refuses a database whose name does not contain "test"', () => {
    expect(() =>
      assertTestDatabase('postgres://postgres@127.0.0.1:5432/tally'),
    ).toThrow(/must contain "test"/);
    expect(() =>
      assertTestDatabase('postgres://postgres@127.0.0.1:5432/postgres'),
    ).toThrow();
    expect(() =>
      assertTestDatabase('postgres://postgres@127.0.0.1:5432/tally_test_abc'),
    ).not.toThrow();
  });
});
