import { Agent as HttpAgent, type IncomingMessage, request } from 'node:http';
import { Agent as HttpsAgent, request as requestTls } from 'node:https';

/**
 * Connections to providers are kept alive and reused, one pool per
 * protocol for the whole process (a provider is made per send).
 */
const agents = {
  http: new HttpAgent({ keepAlive: true }),
  https: new HttpsAgent({ keepAlive: true }),
};

/**
 * The most of a provider's answer read in one piece: a stream line or event,
 * an error body, a whole JSON answer. Past it the answer is a failure and
 * the rest is not read, so a provider cannot make the API hold more.
 */
export const UPSTREAM_READ_LIMIT = 1024 * 1024;

/** A body over the bound it was read with; the response was destroyed, nothing more is read. */
export class UpstreamTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The answer is over ${limit} bytes`);
    this.name = 'UpstreamTooLarge';
  }
}

/** A 3xx: a failure, never followed (its `Location` may point anywhere, this host's other ports included). */
export const isRedirect = (status: number): boolean =>
  status >= 300 && status < 400;

/** An upstream answer, read as the provider sends it. */
export interface UpstreamResponse {
  status: number;
  ok: boolean;
  header(name: string): string | null;
  /** The next piece of the body; `done` at its end. Rejects if the connection fails or the request is aborted. */
  read(): Promise<{ done: boolean; value?: Buffer }>;
  /** The rest of the body as text; over `limit` bytes (default UPSTREAM_READ_LIMIT) it stops reading and rejects with `UpstreamTooLarge`. */
  text(limit?: number): Promise<string>;
}

/**
 * `POST url` with a JSON body on a kept-alive connection, through
 * `node:http` (the global `fetch` costs several times as much CPU per
 * request, which the send path pays on every answer). Resolves when the
 * response headers arrive; `signal` aborts the request and its body.
 * Redirects are never followed: a 3xx is answered as it is (`isRedirect`).
 */
export function postUpstream(
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  return send('POST', url, headers, Buffer.from(body), signal);
}

/** `GET url`, as `postUpstream` (a 3xx is answered as it is, never followed). */
export function getUpstream(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  return send('GET', url, headers, null, signal);
}

function send(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  payload: Buffer | null,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const target = new URL(url);
  const tls = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (tls ? requestTls : request)(target, {
      method,
      agent: tls ? agents.https : agents.http,
      headers: payload
        ? { ...headers, 'Content-Length': String(payload.length) }
        : headers,
    });
    let response: IncomingMessage | null = null;
    // Before the headers the request is stopped; after them, the body.
    const abort = () => (response ?? req).destroy(abortError());
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    req.once('response', (res) => {
      response = res;
      // Errors of the body reach its reader; once it is closed, an abort has nothing left to stop.
      res.on('error', () => undefined);
      res.once('close', () => signal.removeEventListener('abort', abort));
      resolve(wrap(res));
    });
    // Errors after the headers reach the reader of the body too.
    req.on('error', (err) => {
      signal.removeEventListener('abort', abort);
      reject(err);
    });
    req.setNoDelay(true);
    req.end(payload ?? undefined);
  });
}

function abortError(): Error {
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}

function wrap(res: IncomingMessage): UpstreamResponse {
  const pieces = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const read = async () => {
    const next = await pieces.next();
    return next.done ? { done: true } : { done: false, value: next.value };
  };
  const status = res.statusCode ?? 0;
  return {
    status,
    ok: status >= 200 && status < 300,
    header: (name) => {
      const v = res.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
    read,
    text: async (limit = UPSTREAM_READ_LIMIT) => {
      const parts: Buffer[] = [];
      let size = 0;
      for (;;) {
        const r = await read();
        if (r.done) return Buffer.concat(parts).toString('utf8');
        if (!r.value) continue;
        size += r.value.length;
        if (size > limit) {
          // Not a byte more: the connection goes (it cannot be reused with a body half read).
          const err = new UpstreamTooLarge(limit);
          res.destroy(err);
          throw err;
        }
        parts.push(r.value);
      }
    },
  };
}
