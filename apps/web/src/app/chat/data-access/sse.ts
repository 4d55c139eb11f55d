import type { ChatStreamEvent } from '@tally/api-contract';

/** One server-sent event as it came off the wire. */
export interface RawSseEvent {
  event: string;
  data: string;
}

/**
 * Incremental `text/event-stream` parser (WHATWG HTML §9.2): feed it text as
 * it arrives, in chunks cut anywhere, and it returns the events completed so
 * far. Handles `\n`, `\r\n` and `\r` line ends, comments, multi-line `data`.
 */
export class SseParser {
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];
  /** A chunk ended in `\r`: a `\n` opening the next chunk belongs to it. */
  private pendingCr = false;

  push(chunk: string): RawSseEvent[] {
    let text = chunk;
    if (this.pendingCr && text.startsWith('\n')) {
      text = text.slice(1);
    }
    this.pendingCr = false;
    this.buffer += text;
    const events: RawSseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== '\n' && ch !== '\r') {
        continue;
      }
      const line = this.buffer.slice(start, i);
      if (ch === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') {
            i++;
          }
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
      const event = this.line(line);
      if (event) {
        events.push(event);
      }
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** End of stream: an event not closed by a blank line is dropped, as the spec says. */
  end(): RawSseEvent[] {
    this.buffer = '';
    this.eventName = '';
    this.dataLines = [];
    return [];
  }

  private line(line: string): RawSseEvent | null {
    if (line === '') {
      return this.dispatch();
    }
    if (line.startsWith(':')) {
      return null;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this.eventName = value;
    } else if (field === 'data') {
      this.dataLines.push(value);
    }
    return null;
  }

  private dispatch(): RawSseEvent | null {
    const hasData = this.dataLines.length > 0;
    const event = {
      event: this.eventName || 'message',
      data: this.dataLines.join('\n'),
    };
    this.eventName = '';
    this.dataLines = [];
    return hasData ? event : null;
  }
}

const CHAT_EVENTS = new Set(['user_message', 'delta', 'done', 'error']);

/** A raw event as one of the chat stream's named events; others (and bad JSON) are skipped. */
export function toChatStreamEvent(raw: RawSseEvent): ChatStreamEvent | null {
  if (!CHAT_EVENTS.has(raw.event)) {
    return null;
  }
  try {
    return { event: raw.event, data: JSON.parse(raw.data) } as ChatStreamEvent;
  } catch {
    return null;
  }
}

/**
 * Reads a `text/event-stream` body to the end, yielding the chat events as
 * they complete. UTF-8 characters split across chunks are decoded correctly.
 */
export async function* readChatEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ChatStreamEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const text = done
        ? decoder.decode()
        : decoder.decode(value, { stream: true });
      for (const raw of parser.push(text)) {
        const event = toChatStreamEvent(raw);
        if (event) {
          yield event;
        }
      }
      if (done) {
        parser.end();
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
