import type { QuotaLimit } from '@tally/api-contract';
import { randomUUID } from 'node:crypto';
import OpenAI, { APIError } from 'openai';
import { DatabaseService } from '../../src/database/database.service';
import { AlertsService } from '../../src/modules/alerts/alerts.service';
import { eventually, sendMessage } from '../support/chat-stream';
import {
  type ScriptedServer,
  sendForever,
  startScriptedServer,
} from '../support/scripted-server';
import { startTestApp, type TestApp } from '../support/test-app';

/** What the server a redirect points at answers: it must never reach a client. */
const SECRET = 'db_password=hunter2';
/** What the redirecting server says in its own body: not echoed either. */
const REDIRECT_SAYS = 'redirect-body-7f3a9c';
const MiB = 1024 * 1024;

const sse = (chunk: unknown) => `data: ${JSON.stringify(chunk)}\n\n`;
const delta = (content: string) =>
  sse({
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });

/**
 * Calls Tally makes to other servers (providers, their connection test,
 * alert webhooks) with real servers on loopback: a redirect is a failure
 * and never followed, what the other side says is never echoed, URLs with
 * credentials are refused, and a provider's answer is read with a 1 MiB
 * bound.
 */
describe('outbound calls (PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  /** Answers everything with SECRET; a redirect points here. */
  let target: ScriptedServer;
  /** Answers everything with a 302 to the same path on `target`. */
  let redirect: ScriptedServer;
  /** A provider that sends too much, as each test scripts it. */
  let huge: ScriptedServer;
  let user: { token: string; key: string };

  const adminPost = async (path: string, body: unknown) => {
    const res = await t.http.post(path, body, { token: admin });
    if (res.status !== 201)
      throw new Error(`${path}: ${res.status} ${res.text}`);
    return res.body;
  };
  const connections: Record<string, string> = {};
  const gateway = () =>
    new OpenAI({ apiKey: user.key, baseURL: `${t.url}/v1`, maxRetries: 0 });
  const newChat = async (model: string) => {
    const res = await t.http.post(
      '/api/chats',
      { model },
      { token: user.token },
    );
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const testConnection = async (id: string) => {
    const res = await t.http.post(
      `/api/admin/connections/${id}/test`,
      undefined,
      { token: admin },
    );
    expect(res.status).toBe(200);
    return res;
  };
  /** The API still answers, and every answer the provider began was hung up on. */
  const stillUpAndHungUp = async () => {
    expect((await t.http.get('/api/health')).status).toBe(200);
    await eventually(async () => huge.cutOff === huge.requests.length);
    expect(huge.requests.length).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    target = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(SECRET);
    });
    redirect = await startScriptedServer((req, res) => {
      res.writeHead(302, {
        location: `${target.url}${req.url}`,
        'content-type': 'text/plain',
      });
      res.end(REDIRECT_SAYS);
    });
    huge = await startScriptedServer();
    t = await startTestApp({
      // Alerts are delivered at once.
      env: { ALERTS_POLL_MS: '100' },
    });
    admin = await t.login();
    for (const [name, base] of [
      ['moved', redirect.url],
      ['big', huge.url],
    ]) {
      const c = await adminPost('/api/admin/connections', {
        name,
        base_url: `${base}/v1`,
        // Short, so that a reader that waits for the end of an endless answer fails in reasonable time.
        timeout_ms: 5000,
      });
      connections[name] = c.id;
      await adminPost('/api/admin/models', {
        id: name,
        name,
        connection_id: c.id,
        upstream_model: `upstream-${name}`,
        input_price: 0,
        output_price: 0,
      });
    }
    const u = await t.register();
    const key = await t.http.post(
      '/api/auth/api-keys',
      { name: 'svc' },
      { token: u.token },
    );
    expect(key.status).toBe(201);
    user = { token: u.token, key: key.body.key };
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([target, redirect, huge].map((s) => s?.close()));
  });
  beforeEach(() => {
    for (const s of [target, redirect, huge]) s.reset();
  });

  describe('redirects', () => {
    it('the connection test does not follow one, and echoes no body', async () => {
      const res = await testConnection(connections.moved);
      expect(res.body).toEqual({ ok: false, error: expect.any(String) });
      expect(res.body.error).toContain(
        'the server answered with a redirect (HTTP 302)',
      );
      expect(res.text).not.toContain(SECRET);
      expect(res.text).not.toContain(REDIRECT_SAYS);
      expect(res.text).not.toContain(target.url);
      expect(redirect.requests).toEqual([
        { method: 'GET', path: '/v1/models' },
      ]);
      expect(target.requests).toEqual([]);
    });

    it('a chat completion through the gateway is 502, not followed, without the body', async () => {
      const err = await gateway()
        .chat.completions.create({
          model: 'moved',
          messages: [{ role: 'user', content: 'hello' }],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(APIError);
      expect((err as APIError).status).toBe(502);
      const said = JSON.stringify((err as APIError).error);
      expect(said).toContain('the server answered with a redirect (HTTP 302)');
      expect(said).not.toContain(SECRET);
      expect(said).not.toContain(REDIRECT_SAYS);
      // Not retried either: one request, and nothing reached the target.
      expect(redirect.requests).toEqual([
        { method: 'POST', path: '/v1/chat/completions' },
      ]);
      expect(target.requests).toEqual([]);
    });

    it('a chat send is 502 the same way', async () => {
      const chat = await newChat('moved');
      const res = await sendMessage(
        t.url,
        user.token,
        chat,
        { content: 'hello' },
        { query: '?stream=false' },
      );
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({
        code: 'AI_PROVIDER_ERROR',
        message:
          'The AI model "moved" failed: the server answered with a redirect (HTTP 302)',
      });
      expect(res.text).not.toContain(SECRET);
      expect(target.requests).toEqual([]);
    });

    it('an alert webhook delivery fails with the redirect message, the target never reached', async () => {
      const set = await t.http.patch(
        '/api/admin/settings',
        { alert_webhook_url: `${redirect.url}/hook` },
        { token: admin },
      );
      expect(set.status).toBe(200);
      try {
        const res = await t.http.post('/api/admin/alerts/test', undefined, {
          token: admin,
        });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ delivered: false, status: 302 });
        expect(res.body.error).toBe(
          'The server answered with a redirect (HTTP 302), which is not followed',
        );
        const list = await t.http.get('/api/admin/alerts?page_size=1', {
          token: admin,
        });
        expect(list.body.items[0]).toMatchObject({
          id: res.body.id,
          delivered_at: null,
          last_error: res.body.error,
        });
        expect(list.text).not.toContain(REDIRECT_SAYS);
        expect(redirect.requests).toEqual([{ method: 'POST', path: '/hook' }]);

        // An alert of a limit crossing, delivered from the outbox: the same.
        const limit: QuotaLimit = {
          id: randomUUID(),
          subject: 'everyone',
          subject_id: null,
          subject_name: null,
          metric: 'messages',
          window: 'day',
          model: null,
          shared: true,
          amount: 10,
          used: 10,
          limit: 10,
          remaining: 0,
          resets_at: '2026-12-02T00:00:00.000Z',
        };
        const alerts = t.app.get(AlertsService);
        await t.app.get(DatabaseService).inTransaction((tx) =>
          alerts.recordCrossings(tx, [
            {
              limit,
              before: 0,
              after: 10,
              periodStart: '2026-12-01',
              user: null,
            },
          ]),
        );
        const rows = await eventually(async () => {
          const got = await t.query(
            `SELECT attempts, delivered_at, last_error FROM alerts WHERE limit_id = $1`,
            [limit.id],
          );
          return got.length > 0 && got.every((r) => r.last_error !== null)
            ? got
            : null;
        });
        for (const row of rows)
          expect(row).toEqual({
            attempts: expect.any(Number),
            delivered_at: null,
            last_error:
              'The server answered with a redirect (HTTP 302), which is not followed',
          });
        expect(new Set(redirect.requests.map((r) => r.path))).toEqual(
          new Set(['/hook']),
        );
        expect(target.requests).toEqual([]);
      } finally {
        await t.http.patch(
          '/api/admin/settings',
          { alert_webhook_url: null },
          { token: admin },
        );
      }
    });
  });

  describe('URLs with user information', () => {
    const withUserInfo = [
      'http://user:pass@127.0.0.1:9/v1',
      'http://user@127.0.0.1:9/v1',
      'https://:secret@api.example.com/v1',
    ];

    it('are 400 as a connection base_url (POST and PATCH), and change nothing', async () => {
      const before = await t.query(
        `SELECT id, base_url, updated_at FROM ai_connections ORDER BY id`,
      );
      for (const base_url of withUserInfo) {
        const created = await t.http.post(
          '/api/admin/connections',
          { name: 'creds', base_url },
          { token: admin },
        );
        expect([base_url, created.status, created.body.code]).toEqual([
          base_url,
          400,
          'VALIDATION_FAILED',
        ]);
        expect(JSON.stringify(created.body.message)).toContain('base_url');
        const patched = await t.http.patch(
          `/api/admin/connections/${connections.big}`,
          { name: 'renamed', base_url },
          { token: admin },
        );
        expect([base_url, patched.status, patched.body.code]).toEqual([
          base_url,
          400,
          'VALIDATION_FAILED',
        ]);
        expect(JSON.stringify(patched.body.message)).toContain('base_url');
      }
      expect(
        await t.query(
          `SELECT id, base_url, updated_at FROM ai_connections ORDER BY id`,
        ),
      ).toEqual(before);
    });

    it('are 400 as alert_webhook_url, and change nothing', async () => {
      const before = (await t.http.get('/api/admin/settings', { token: admin }))
        .body;
      for (const url of withUserInfo) {
        const res = await t.http.patch(
          '/api/admin/settings',
          {
            alert_webhook_url: url.replace('/v1', '/hook'),
            alert_thresholds: [50],
          },
          { token: admin },
        );
        expect([url, res.status, res.body.code]).toEqual([
          url,
          400,
          'VALIDATION_FAILED',
        ]);
        expect(JSON.stringify(res.body.message)).toContain('alert_webhook_url');
      }
      expect(
        (await t.http.get('/api/admin/settings', { token: admin })).body,
      ).toEqual(before);
      // The same URLs without user information are fine.
      const ok = await t.http.post(
        '/api/admin/connections',
        { name: 'plain', base_url: 'http://127.0.0.1:9/v1' },
        { token: admin },
      );
      expect(ok.status).toBe(201);
      await t.http.delete(`/api/admin/connections/${ok.body.id}`, {
        token: admin,
      });
    });
  });

  describe('a provider that sends over 1 MiB in one piece', () => {
    const SSE = { 'content-type': 'text/event-stream' };

    it('a stream line without an end: 502 before any output, the request hung up', async () => {
      huge.handle = (_req, res) =>
        void sendForever(
          res,
          200,
          SSE,
          'data: {"choices":[{"delta":{"content":"',
          2 * MiB,
        );
      const chat = await newChat('big');
      const res = await sendMessage(
        t.url,
        user.token,
        chat,
        { content: 'hello' },
        { query: '?stream=false' },
      );
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('AI_PROVIDER_ERROR');
      expect(res.body.message).toBe(
        'The AI model "big" sent an answer too large to read',
      );
      const err = await gateway()
        .chat.completions.create({
          model: 'big',
          messages: [{ role: 'user', content: 'hello' }],
        })
        .catch((e: unknown) => e);
      expect((err as APIError).status).toBe(502);
      await stillUpAndHungUp();
    });

    it('after output began: the end of a provider failing mid-answer', async () => {
      huge.handle = (_req, res) => {
        res.writeHead(200, SSE);
        res.write(delta('Hello'));
        res.write(delta(' there'));
        void sendForever(res, null, {}, 'data: ', 2 * MiB);
      };
      const chat = await newChat('big');
      const res = await sendMessage(t.url, user.token, chat, {
        content: 'hello',
      });
      expect(res.status).toBe(200);
      const names = res.events.map((e) => e.event);
      expect(names[0]).toBe('user_message');
      expect(names).toContain('delta');
      expect(names.at(-1)).toBe('error');
      expect(res.events.at(-1)?.data).toEqual({
        code: 'AI_PROVIDER_ERROR',
        message: 'The AI model "big" sent an answer too large to read',
      });
      const [row] = await t.query(
        `SELECT status, content FROM messages WHERE chat_id = $1 AND role = 'assistant'`,
        [chat],
      );
      expect(row).toEqual({ status: 'error', content: 'Hello there' });

      // Through the gateway, streamed: the chunks, then the error.
      const stream = await gateway().chat.completions.create({
        model: 'big',
        messages: [{ role: 'user', content: 'hello' }],
        stream: true,
      });
      let text = '';
      const failed = await (async () => {
        for await (const chunk of stream)
          text += chunk.choices[0]?.delta?.content ?? '';
      })().catch((e: unknown) => e);
      expect(text).toBe('Hello there');
      expect(failed).toBeInstanceOf(Error);
      expect(String((failed as Error).message)).toContain('too large to read');
      await stillUpAndHungUp();
    });

    it('an error body: 502, read only up to the bound', async () => {
      huge.handle = (_req, res) =>
        void sendForever(
          res,
          500,
          { 'content-type': 'text/plain' },
          SECRET,
          2 * MiB,
        );
      const chat = await newChat('big');
      const res = await sendMessage(
        t.url,
        user.token,
        chat,
        { content: 'hello' },
        { query: '?stream=false' },
      );
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({
        code: 'AI_PROVIDER_ERROR',
        message: 'The AI model "big" failed (HTTP 500)',
      });
      expect(res.text).not.toContain(SECRET);
      await stillUpAndHungUp();
    });

    it('a non-streamed JSON answer: 502', async () => {
      huge.handle = (_req, res) =>
        void sendForever(
          res,
          200,
          { 'content-type': 'application/json' },
          '{"choices":[{"message":{"content":"',
          2 * MiB,
        );
      const err = await gateway()
        .chat.completions.create({
          model: 'big',
          messages: [{ role: 'user', content: 'hello' }],
        })
        .catch((e: unknown) => e);
      expect((err as APIError).status).toBe(502);
      expect(JSON.stringify((err as APIError).error)).toContain(
        'too large to read',
      );
      await stillUpAndHungUp();
    });

    it('a model list: the connection test fails, naming the bound', async () => {
      huge.handle = (_req, res) =>
        void sendForever(
          res,
          200,
          { 'content-type': 'application/json' },
          '{"data":[{"id":"',
          2 * MiB,
        );
      const res = await testConnection(connections.big);
      expect(res.body).toEqual({ ok: false, error: expect.any(String) });
      expect(res.body.error).toContain('over 1 MiB');
      await stillUpAndHungUp();
    });
  });
});
