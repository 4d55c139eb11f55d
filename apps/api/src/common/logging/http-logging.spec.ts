import { fastify, type FastifyInstance, type FastifyRequest } from 'fastify';
import { request as httpRequest } from 'node:http';
import type { Logger } from 'pino';
import { createLogger } from './logger';
import { httpLogging, requestIdOf } from './http-logging';

/** A stand-in for standard output that keeps what is written. */
function output() {
  const lines: string[] = [];
  const out = {
    isTTY: false,
    write: (chunk: string) => lines.push(chunk) > 0,
  } as unknown as NodeJS.WriteStream;
  const parsed = () =>
    lines
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { out, parsed, text: () => lines.join('') };
}

type LoggedReq = FastifyRequest & { log: Logger; id: string };

describe('httpLogging', () => {
  let server: FastifyInstance;
  let url: string;
  let logged: ReturnType<typeof output>;
  let logger: Logger;
  let childBindings: Array<Record<string, unknown>>;

  async function start(level: 'log' | 'warn') {
    logged = output();
    logger = createLogger({ logLevel: level, logFormat: 'json' }, logged.out);
    childBindings = [];
    const child = logger.child.bind(logger);
    logger.child = ((bindings: Record<string, unknown>) => {
      childBindings.push(bindings);
      return child(bindings);
    }) as Logger['child'];
    server = fastify({ genReqId: requestIdOf, forceCloseConnections: true });
    server.addHook('onRequest', httpLogging(logger));
    server.get('/api/things/:id', (req, reply) => {
      (req as LoggedReq).log.warn({ context: 'Things' }, 'inside the request');
      (req as unknown as { user: { id: string } }).user = { id: 'user-1' };
      const { id } = req.params as { id: string };
      return reply.send({ id, request: req.id });
    });
    server.get('/api/broken', (_req, reply) =>
      reply.code(503).send({ code: 'DOWN' }),
    );
    server.get('/api/slow', (_req, reply) => {
      // never answers: the caller gives up
      return reply;
    });
    url = await server.listen({ port: 0, host: '127.0.0.1' });
  }

  afterEach(async () => {
    await server.close();
  });

  const settle = () => new Promise((ok) => setTimeout(ok, 30));

  it('answers X-Request-Id, binds it to the request log, and writes one access line', async () => {
    await start('log');
    const res = await fetch(`${url}/api/things/7?secret=q`, {
      headers: {
        'x-request-id': 'caller-id-0001',
        authorization: 'Bearer not-logged-token',
        cookie: 'session=not-logged-cookie',
      },
    });
    expect(res.headers.get('x-request-id')).toBe('caller-id-0001');
    expect(await res.json()).toEqual({ id: '7', request: 'caller-id-0001' });
    const fresh = await fetch(`${url}/api/things/8`, {
      headers: { 'x-request-id': 'two words' },
    });
    const freshId = fresh.headers.get('x-request-id') ?? '';
    expect(freshId).toMatch(/^[0-9a-f-]{36}$/);
    await settle();

    const lines = logged.parsed();
    expect(lines.filter((l) => l.request_id === 'caller-id-0001')).toEqual([
      expect.objectContaining({
        level: 'warn',
        context: 'Things',
        msg: 'inside the request',
      }),
      {
        level: 'info',
        time: expect.any(String),
        pid: process.pid,
        hostname: expect.any(String),
        request_id: 'caller-id-0001',
        method: 'GET',
        route: '/api/things/:id',
        status: 200,
        duration_ms: expect.any(Number),
        user_id: 'user-1',
        msg: expect.stringMatching(/^GET \/api\/things\/:id 200 \d+ms$/),
      },
    ]);
    expect(lines.filter((l) => l.request_id === freshId)).toHaveLength(2);
    // No request object is bound or written: no header, query string or body.
    expect(childBindings).toEqual([
      { request_id: 'caller-id-0001' },
      { request_id: freshId },
    ]);
    expect(logged.text()).not.toMatch(/not-logged|secret=|"req"|headers/);
  });

  it('writes a 5xx at error level, and a cut request once', async () => {
    await start('log');
    const broken = await fetch(`${url}/api/broken`);
    expect(broken.status).toBe(503);
    const id = await new Promise<string>((ok) => {
      const req = httpRequest(`${url}/api/slow`);
      req.on('error', () => undefined);
      req.end();
      setTimeout(() => {
        req.destroy();
        ok('');
      }, 50);
    });
    expect(id).toBe('');
    await settle();
    const lines = logged.parsed();
    expect(lines.filter((l) => l.route === '/api/broken')).toEqual([
      expect.objectContaining({ level: 'error', status: 503, user_id: null }),
    ]);
    expect(lines.filter((l) => l.route === '/api/slow')).toEqual([
      expect.objectContaining({ level: 'info', method: 'GET' }),
    ]);
  });

  it('writes no access line below its level, but still answers the id', async () => {
    await start('warn');
    const res = await fetch(`${url}/api/things/1`);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await fetch(`${url}/api/broken`);
    await settle();
    expect(logged.parsed().map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'inside the request'],
      ['error', expect.stringMatching(/^GET \/api\/broken 503 \d+ms$/)],
    ]);
  });
});
