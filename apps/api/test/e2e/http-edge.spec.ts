import { request } from 'node:http';
import { connect } from 'node:net';
import { assertTestDatabase } from '../support/test-db';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The edge the API kept when it moved from Express to Fastify: the answers
 * Fastify does not write itself (a streamed answer is taken over from it)
 * carry the same headers, and bodies, paths and methods are read as before.
 */
describe('the HTTP edge (PostgreSQL)', () => {
  let t: TestApp;
  let token: string;
  let chatId: string;
  beforeAll(async () => {
    t = await startTestApp();
    assertTestDatabase(t.db!.url);
    token = (await t.register()).token;
    chatId = await t.newChat(token);
  });
  afterAll(() => t.close());

  const post = (path: string, raw: string, type = 'application/json') =>
    t.http.post(path, undefined, {
      token,
      raw,
      headers: { 'content-type': type },
    });

  it('a streamed answer carries the request id, the security headers and the RateLimit headers', async () => {
    const res = await fetch(`${t.url}/api/chats/${chatId}/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-request-id': 'edge-stream-0001',
      },
      body: JSON.stringify({ content: 'hello' }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(
      'text/event-stream; charset=utf-8',
    );
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-request-id')).toBe('edge-stream-0001');
    expect(res.headers.get('content-security-policy')).toContain(
      "default-src 'self'",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('ratelimit-policy')).toContain('"daily-messages"');
    expect(res.headers.get('ratelimit')).toContain('"daily-tokens"');
    expect(text).toMatch(/^event: user_message\n/);
    expect(text).toContain('event: done\n');
  });

  it('reads application/*+json bodies, and refuses a bare JSON value or a non-UTF-8 charset', async () => {
    const vendor = await post(
      '/api/chats',
      '{"title":"Vendor type"}',
      'application/vnd.tally+json; charset=utf-8',
    );
    expect([vendor.status, vendor.body.title]).toEqual([201, 'Vendor type']);
    for (const raw of ['null', '"text"', '42', 'true', '   ']) {
      const res = await post('/api/chats', raw);
      expect([raw, res.status, res.body.code]).toEqual([
        raw,
        400,
        'MALFORMED_JSON',
      ]);
    }
    const utf16 = await post(
      '/api/chats',
      '{"title":"x"}',
      'application/json; charset=utf-16',
    );
    expect([utf16.status, utf16.body.code]).toEqual([
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ]);
    // The chat of beforeAll and the one with the vendor type: nothing else was made.
    expect(await t.query('SELECT count(*)::int AS n FROM chats')).toEqual([
      { n: 2 },
    ]);
  });

  it('a body on a GET is 415 unless it is JSON, as on every other method', async () => {
    // fetch sends no body with a GET; node:http does.
    const get = (type: string) =>
      new Promise<number>((done, fail) => {
        const req = request(`${t.url}/api/chats`, {
          method: 'GET',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': type,
            'content-length': '2',
          },
        });
        req.on('response', (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        });
        req.on('error', fail);
        req.end('{}');
      });
    expect(await get('text/plain')).toBe(415);
    expect(await get('application/json')).toBe(200);
  });

  it('a chunked body over the limit is 413 too, and nothing is stored', async () => {
    const status = await new Promise<number>((done, fail) => {
      const req = request(`${t.url}/api/chats`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        },
      });
      req.on('response', (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      });
      // The server may close the connection before the whole body is sent.
      req.on('error', (err) => (req.destroyed ? undefined : fail(err)));
      req.write('{"title":"');
      const chunk = 'x'.repeat(64 * 1024);
      for (let sent = 0; sent <= t.config.bodyLimitBytes; sent += chunk.length)
        req.write(chunk);
      req.end('"}');
    });
    expect(status).toBe(413);
    expect(
      await t.query(
        `SELECT count(*)::int AS n FROM chats WHERE title LIKE 'xxx%'`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('a body cut off by the client stores nothing, and the next request is answered', async () => {
    await new Promise<void>((done) => {
      const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(
        [
          'POST /api/chats HTTP/1.1',
          'Host: tally',
          `Authorization: Bearer ${token}`,
          'Content-Type: application/json',
          'Content-Length: 1000',
          '',
          '{"title":"cut off',
        ].join('\r\n'),
        () =>
          setTimeout(() => {
            socket.destroy();
            done();
          }, 50),
      );
    });
    const next = await t.http.get('/api/chats', { token });
    expect(next.status).toBe(200);
    expect(
      await t.query(
        `SELECT count(*)::int AS n FROM chats WHERE title LIKE 'cut off%'`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('routes a path with a trailing slash as the path without it, and HEAD as GET without a body', async () => {
    const plain = await t.http.get('/api/chats', { token });
    const slash = await t.http.get('/api/chats/', { token });
    expect(slash.status).toBe(200);
    expect(slash.body).toEqual(plain.body);
    const head = await fetch(`${t.url}/api/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toContain('application/json');
    expect(await head.text()).toBe('');
  });

  it('an id longer than the router keeps for a parameter is still the route’s 400, not a 404', async () => {
    const res = await t.http.get(`/api/chats/${'x'.repeat(2000)}`, { token });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('a URL with malformed percent-encoding is 400 with a request id and the security headers, in the shape of its endpoint', async () => {
    const api = await fetch(`${t.url}/api/chats/%E0%A4%A`, {
      headers: { 'x-request-id': 'edge-bad-url-1' },
    });
    expect(api.status).toBe(400);
    expect(api.headers.get('x-request-id')).toBe('edge-bad-url-1');
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await api.json()).toMatchObject({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
    });
    const gateway = await fetch(`${t.url}/v1/models/%ZZ`);
    expect(gateway.status).toBe(400);
    expect(gateway.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await gateway.json()).error).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('a body error on /v1 is answered in OpenAI’s shape, on /api in API.md’s', async () => {
    const big = `{"model":"local","messages":[{"role":"user","content":"${'x'.repeat(
      t.config.bodyLimitBytes,
    )}"}]}`;
    const gateway = await post('/v1/chat/completions', big);
    expect(gateway.status).toBe(413);
    expect(gateway.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const api = await post('/api/chats', big);
    expect([api.status, api.body.code, api.body.statusCode]).toEqual([
      413,
      'PAYLOAD_TOO_LARGE',
      413,
    ]);
  });
});

/** A request that reaches the API while it shuts down, on a connection still open for an answer in progress. */
describe('the HTTP edge while shutting down (PostgreSQL)', () => {
  it('answers it through the edge, in API.md’s shape, and closes the connection', async () => {
    const t = await startTestApp({
      env: { AI_LOCAL_DELAY_MS: '50', SHUTDOWN_GRACE_SECONDS: '5' },
    });
    const token = (await t.register()).token;
    const chat = await t.newChat(token);
    const body = JSON.stringify({ content: 'hello there friend' });
    const send = (id: string) =>
      [
        `POST /api/chats/${chat}/messages HTTP/1.1`,
        'Host: tally',
        `Authorization: Bearer ${token}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-Id: ${id}`,
        '',
        body,
      ].join('\r\n');
    // One kept-alive connection: a streamed answer, then (once the API is
    // closing) a second send on the same connection.
    const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
    let text = '';
    let answering: () => void = () => undefined;
    const started = new Promise<void>((r) => (answering = r));
    socket.on('data', (d) => {
      text += d;
      answering();
    });
    const closed = new Promise((r) => socket.on('close', r));
    socket.write(send('first-0001'));
    await started;
    const closing = t.app.close();
    await new Promise((r) => setTimeout(r, 200));
    socket.write(send('second-0002'));
    await closed;
    await closing;

    const second = text.slice(text.indexOf('HTTP/1.1', 1));
    const [head, json] = second.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    const headers = head.toLowerCase();
    expect(headers).toContain('connection: close');
    expect(headers).toContain('x-request-id: second-0002');
    expect(headers).toContain('x-content-type-options: nosniff');
    expect(headers).toContain('retry-after: 5');
    expect(JSON.parse(json)).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'SHUTTING_DOWN',
      message: expect.any(String),
    });
    await t.close().catch(() => undefined);
  });
});
