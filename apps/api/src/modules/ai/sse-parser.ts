/** One server-sent event: its `event` name (default `message`) and its joined `data` lines. */
export interface SseEvent {
  event: string;
  data: string;
}

/** A line, or the data of one event, longer than the parser's bound: the stream cannot be read further. */
export class SseTooLong extends Error {
  constructor(readonly maxBytes: number) {
    super(`A line or an event of the stream is over ${maxBytes} bytes`);
    this.name = 'SseTooLong';
  }
}

/** Whether `text` is over `max` bytes as UTF-8, without encoding it when its length alone decides. */
function overBytes(text: string, max: number): boolean {
  // Each UTF-16 unit is one to three bytes of UTF-8.
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return Buffer.byteLength(text, 'utf8') > max;
}

/**
 * Incremental parser for `text/event-stream` (the WHATWG rules): text may be
 * cut anywhere between `push` calls, lines end in `\n`, `\r\n` or `\r`, an
 * empty line ends an event, `:` lines are comments (keep-alives), several
 * `data:` lines join with `\n`, and events without data are dropped.
 *
 * `maxBytes` bounds what it holds: a line (ended or not yet) or an event's
 * data over it makes `push`/`end` throw `SseTooLong`, so a stream that never
 * ends its line cannot grow the buffer without end.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  /** UTF-16 units of `data` joined, to check the bound only when it may be passed. */
  private dataLength = 0;
  private event = '';
  private started = false;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {}

  /** Feeds decoded text; returns the events it completed. */
  push(text: string): SseEvent[] {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer += text;
    const out: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf('\r', start);
      const lf = this.buffer.indexOf('\n', start);
      if (cr === -1 && lf === -1) break;
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A lone `\r` at the end may be the first half of `\r\n`: wait for more.
        if (cr === this.buffer.length - 1) break;
        end = cr;
        next = this.buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
      } else {
        end = lf;
        next = lf + 1;
      }
      this.line(this.buffer.slice(start, end), out);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    this.bound(this.buffer);
    return out;
  }

  /** The stream ended: a last event not followed by an empty line still counts. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.buffer.length > 0) {
      const rest = this.buffer.endsWith('\r')
        ? this.buffer.slice(0, -1)
        : this.buffer;
      this.buffer = '';
      this.line(rest, out);
    }
    this.line('', out);
    return out;
  }

  /** Throws `SseTooLong` (holding nothing more) when `text` is over the bound. */
  private bound(text: string): void {
    if (!overBytes(text, this.maxBytes)) return;
    this.buffer = '';
    this.data = [];
    this.dataLength = 0;
    throw new SseTooLong(this.maxBytes);
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0)
        out.push({
          event: this.event || 'message',
          data: this.data.join('\n'),
        });
      this.data = [];
      this.dataLength = 0;
      this.event = '';
      return;
    }
    this.bound(line);
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.dataLength += value.length + (this.data.length > 0 ? 1 : 0);
      this.data.push(value);
      if (this.dataLength * 3 > this.maxBytes) this.bound(this.data.join('\n'));
    } else if (field === 'event') this.event = value;
    // `id` and `retry` mean nothing to a one-shot request.
  }
}
