/**
 * Sends `POST /api/chats/:id/messages` over real HTTP and reads the answer:
 * JSON, or server-sent events parsed as they arrive (a small parser of its
 * own, independent of the code under test).
 */
export interface StreamedEvent {
  event: string;
  /** The `data` lines, joined and parsed as JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON that the tests inspect freely
  data: any;
}

export interface SendResult {
  status: number;
  headers: Headers;
  contentType: string;
  /** Parsed events when the answer is `text/event-stream`. */
  events: StreamedEvent[];
  /** Parsed body when the answer is JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON that the tests inspect freely
  body: any;
  /** The raw text received. */
  text: string;
  /** True when the test hung up before the end. */
  aborted: boolean;
}

export interface SendOptions {
  query?: string;
  /** Hang up once this many `delta` events arrived. */
  abortAfterDeltas?: number;
  /** Called with each event as it arrives. */
  onEvent?: (event: StreamedEvent) => void;
  raw?: string;
  headers?: Record<string, string>;
}

/** Splits `text/event-stream` text into events; returns them and the unfinished rest. */
export function parseSse(buffer: string): {
  events: StreamedEvent[];
  rest: string;
} {
  const events: StreamedEvent[] = [];
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0)
      events.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return { events, rest };
}

export async function sendMessage(
  baseUrl: string,
  token: string,
  chatId: string,
  body: unknown,
  opts: SendOptions = {},
): Promise<SendResult> {
  const controller = new AbortController();
  const res = await fetch(
    `${baseUrl}/api/chats/${chatId}/messages${opts.query ?? ''}`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(opts.headers ?? {}),
      },
      body: opts.raw ?? JSON.stringify(body),
      signal: controller.signal,
    },
  );
  const contentType = res.headers.get('content-type') ?? '';
  const result: SendResult = {
    status: res.status,
    headers: res.headers,
    contentType,
    events: [],
    body: undefined,
    text: '',
    aborted: false,
  };
  if (!contentType.includes('text/event-stream')) {
    result.text = await res.text();
    result.body =
      contentType.includes('application/json') && result.text
        ? JSON.parse(result.text)
        : result.text;
    return result;
  }
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let deltas = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const chunk = done
        ? decoder.decode()
        : decoder.decode(value, { stream: true });
      result.text += chunk;
      const parsed = parseSse(buffer + chunk);
      buffer = parsed.rest;
      for (const event of parsed.events) {
        result.events.push(event);
        opts.onEvent?.(event);
        if (event.event === 'delta') deltas++;
      }
      if (
        opts.abortAfterDeltas !== undefined &&
        deltas >= opts.abortAfterDeltas
      ) {
        result.aborted = true;
        controller.abort();
        await reader.cancel().catch(() => undefined);
        return result;
      }
      if (done) return result;
    }
  } catch (err) {
    if (result.aborted) return result;
    throw err;
  }
}

/** Polls `check` until it returns a value other than undefined/null/false. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined && value !== false)
      return value as T;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
