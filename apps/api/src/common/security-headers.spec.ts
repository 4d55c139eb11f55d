import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CONTENT_SECURITY_POLICY,
  securityHeaders,
  tallyHelmet,
} from './security-headers';

type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
) => void;

/** The headers of an answer made by `middleware` then a 200 with a body. */
async function headersOf(middleware: Middleware, path = '/api/x') {
  const server = createServer((req, res) => {
    res.setHeader('X-Powered-By', 'something');
    middleware(req, res, () => res.end('ok'));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      if (name !== 'date') headers[name] = value;
    });
    return headers;
  } finally {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
}

describe('securityHeaders', () => {
  it("answers exactly helmet's headers, worked out once", async () => {
    const once = securityHeaders() as unknown as Middleware;
    const helmet = tallyHelmet() as unknown as Middleware;
    for (const path of ['/api/chats/quota', '/', '/v1/models?x=1']) {
      const ours = await headersOf(once, path);
      expect(ours).toEqual(await headersOf(helmet, path));
      // Twice from the same middleware: nothing is used up by the first answer.
      expect(await headersOf(once, path)).toEqual(ours);
    }
    const ours = await headersOf(once);
    expect(ours['x-powered-by']).toBeUndefined();
    expect(ours['x-frame-options']).toBe('DENY');
    expect(ours['referrer-policy']).toBe('no-referrer');
    expect(ours['x-content-type-options']).toBe('nosniff');
    expect(ours['strict-transport-security']).toBeUndefined();
    expect(ours['content-security-policy']).toBe(
      Object.entries(CONTENT_SECURITY_POLICY)
        .map(([name, values]) => `${name} ${values.join(' ')}`)
        .join(';'),
    );
  });
});
