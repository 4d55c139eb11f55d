import { createHmac } from 'node:crypto';

/** `Tally-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`. */
export function signature(secret: string, body: string, t: number): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** How one POST to the webhook ended. */
export interface WebhookResult {
  /** The receiver answered 2xx. */
  ok: boolean;
  /** Its HTTP status; null when it gave none. */
  status: number | null;
  /** Why it did not count as delivered; null when it did. */
  error: string | null;
  durationMs: number;
}

export interface WebhookPost {
  url: string;
  /** The JSON text to send, exactly as signed. */
  body: string;
  /** Null: sent without a signature. */
  secret: string | null;
  timeoutMs: number;
  /** Aborts the request (the process is stopping). */
  signal?: AbortSignal;
}

/** The cause of a failed fetch, for people: `ECONNREFUSED`, a timeout, ... */
function describe(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `No answer within ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'Cut short: the server was stopping';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message}: ${cause}` : String(e?.message ?? err);
}

/** Why an answer other than 2xx is not a delivery; never the receiver's body, which is not read. */
function failureOf(status: number): string {
  if (status >= 300 && status < 400)
    return `The server answered with a redirect (HTTP ${status}), which is not followed`;
  return `The receiver answered HTTP ${status}`;
}

/**
 * POSTs one alert. Redirects are not followed (a 3xx is a failure, like any
 * answer but 2xx); the answer's body is not read.
 */
export async function postWebhook(p: WebhookPost): Promise<WebhookResult> {
  const started = performance.now();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'Tally-Alerts/1',
  };
  if (p.secret !== null)
    headers['Tally-Signature'] = signature(
      p.secret,
      p.body,
      Math.floor(Date.now() / 1000),
    );
  const timeout = AbortSignal.timeout(p.timeoutMs);
  const signal = p.signal ? AbortSignal.any([timeout, p.signal]) : timeout;
  const took = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(p.url, {
      method: 'POST',
      headers,
      body: p.body,
      redirect: 'manual',
      signal,
    });
    await res.body?.cancel().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      status: res.status,
      error: ok ? null : failureOf(res.status),
      durationMs: took(),
    };
  } catch (err) {
    return {
      ok: false,
      status: null,
      error: describe(err, p.timeoutMs).slice(0, 500),
      durationMs: took(),
    };
  }
}
