import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook, signature } from './webhook';

describe('signature', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const body = '{"id":"1"}';
    const expected = createHmac('sha256', 'key')
      .update(`1700000000.${body}`)
      .digest('hex');
    expect(signature('key', body, 1700000000)).toBe(
      `t=1700000000,v1=${expected}`,
    );
  });
});

describe('postWebhook', () => {
  let server: Server;
  let url: string;
  let answer: (res: import('node:http').ServerResponse) => void;
  const seen: Array<{ headers: Record<string, unknown>; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        answer(res);
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(
    () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  );

  it('sends the body as signed, and counts a 2xx as delivered', async () => {
    answer = (res) => res.writeHead(204).end();
    const result = await postWebhook({
      url,
      body: '{"a":1}',
      secret: 's',
      timeoutMs: 2000,
    });
    expect(result).toMatchObject({ ok: true, status: 204, error: null });
    const { headers, body } = seen.at(-1) ?? { headers: {}, body: '' };
    expect(body).toBe('{"a":1}');
    const t = Number(/^t=(\d+),/.exec(String(headers['tally-signature']))?.[1]);
    expect(headers['tally-signature']).toBe(signature('s', body, t));
  });

  it('sends no signature without a secret', async () => {
    answer = (res) => res.writeHead(200).end();
    await postWebhook({ url, body: '{}', secret: null, timeoutMs: 2000 });
    expect(seen.at(-1)?.headers['tally-signature']).toBeUndefined();
  });

  it('does not follow a redirect: it is a failure that says so, without the body', async () => {
    answer = (res) =>
      res
        .writeHead(302, { location: 'http://example.com/' })
        .end('moved: db_password=hunter2');
    expect(
      await postWebhook({ url, body: '{}', secret: null, timeoutMs: 2000 }),
    ).toEqual({
      ok: false,
      status: 302,
      error:
        'The server answered with a redirect (HTTP 302), which is not followed',
      durationMs: expect.any(Number),
    });
  });

  it('gives up on a receiver that does not answer in time', async () => {
    answer = () => undefined; // never answers
    const result = await postWebhook({
      url,
      body: '{}',
      secret: null,
      timeoutMs: 200,
    });
    expect(result).toMatchObject({
      ok: false,
      status: null,
      error: 'No answer within 200 ms',
    });
  });
});
