import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A server on loopback that answers as a test scripts it: a provider that
 * redirects elsewhere, one that sends more than anyone should read, a
 * server that must never be reached. Real HTTP, a free port.
 *
 *   const s = await startScriptedServer((req, res) => res.end('hi'));
 *   s.handle = (req, res) => sendForever(res, 200, {...}, 'data: ', 2 * MiB);
 *   expect(s.requests).toEqual([]);   // never reached
 *   expect(s.cutOff).toBe(1);          // the client hung up mid-answer
 */
export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request, in order. */
  readonly requests: Array<{ method: string; path: string }>;
  /** Answers the client closed before the server ended them. */
  cutOff: number;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  reset(): void;
  close(): Promise<void>;
}

export async function startScriptedServer(
  handle: ScriptedServer['handle'] = (_req, res) => res.end(),
): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const s = {
    url: '',
    requests: [] as ScriptedServer['requests'],
    cutOff: 0,
    handle,
  } as ScriptedServer;
  const server = createServer((req, res) => {
    s.requests.push({ method: req.method ?? '', path: req.url ?? '' });
    res.on('close', () => {
      if (!res.writableFinished) s.cutOff++;
    });
    req.resume();
    req.on('end', () => s.handle(req, res));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return Object.assign(s, {
    url: `http://127.0.0.1:${port}`,
    reset() {
      s.requests.length = 0;
      s.cutOff = 0;
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => ok());
      }),
  });
}

/**
 * Answers `status` with `headers` (null: already sent), then `start` and
 * `bytes` more bytes of `x` with no line end, and never ends the answer:
 * only a client that stops reading ends it (by hanging up).
 */
export async function sendForever(
  res: ServerResponse,
  status: number | null,
  headers: Record<string, string>,
  start: string,
  bytes: number,
): Promise<void> {
  if (status !== null) res.writeHead(status, headers);
  res.write(start);
  const piece = Buffer.alloc(64 * 1024, 'x');
  for (let sent = 0; sent < bytes && !res.destroyed; sent += piece.length) {
    if (!res.write(piece))
      await new Promise<void>((ok) => {
        const go = () => {
          res.off('drain', go);
          res.off('close', go);
          ok();
        };
        res.on('drain', go);
        res.on('close', go);
      });
  }
}
