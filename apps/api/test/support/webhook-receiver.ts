import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got. */
export interface Received {
  at: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the payload the tests inspect freely
  body: any;
}

/**
 * An alert webhook on loopback: records every request, and answers with the
 * next status of `statuses` (200 once they are used up; 0: no answer at all).
 */
export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Statuses to answer with, in order; then 200. */
  statuses: number[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  statuses: number[] = [],
): Promise<WebhookReceiver> {
  const r: Omit<WebhookReceiver, 'url' | 'close'> = { received: [], statuses };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text.
      }
      r.received.push({ at: Date.now(), headers: req.headers, text, body });
      const status = r.statuses.shift() ?? 200;
      if (status === 0) return; // never answered
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  });
}

/**
 * Checks `Tally-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
 * as a receiver should: the HMAC over the raw body, compared in constant time.
 */
export function verifySignature(
  header: string | string[] | undefined,
  body: string,
  secret: string,
): boolean {
  if (typeof header !== 'string') return false;
  const parts = Object.fromEntries(
    header.split(',').map((kv) => kv.split('=', 2) as [string, string]),
  );
  if (!/^\d+$/.test(parts.t ?? '') || !/^[0-9a-f]{64}$/.test(parts.v1 ?? ''))
    return false;
  const expected = createHmac('sha256', secret)
    .update(`${parts.t}.${body}`)
    .digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'));
}
