import type { ChatStreamEvent, Message, Quota } from '@tally/api-contract';
import { SseParser, readChatEvents } from './sse';

const encoder = new TextEncoder();

function body(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(
          typeof chunk === 'string' ? encoder.encode(chunk) : chunk,
        );
      }
      controller.close();
    },
  });
}

async function collect(
  stream: ReadableStream<Uint8Array>,
): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of readChatEvents(stream)) {
    events.push(event);
  }
  return events;
}

const message: Message = {
  id: 'm1',
  chat_id: 'c1',
  role: 'user',
  content: 'hi',
  status: 'complete',
  prompt_tokens: null,
  completion_tokens: null,
  model: null,
  cost: null,
  created_at: '2026-11-28T10:00:00.000Z',
};
const quota: Quota = {
  messages: { used: 1, limit: 100, remaining: 99 },
  tokens: { used: 30, limit: 500000, remaining: 499970 },
  resets_at: '2026-11-29T00:00:00.000Z',
  timezone: 'UTC',
  model: 'local',
};

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

describe('readChatEvents', () => {
  it('reassembles events cut at any point across chunks', async () => {
    const whole =
      sse('user_message', message) +
      sse('delta', { content: 'Hel' }) +
      sse('delta', { content: 'lo' });
    // Every possible cut into three pieces gives the same events.
    const expected = await collect(body([whole]));
    expect(expected.map((e) => e.event)).toEqual([
      'user_message',
      'delta',
      'delta',
    ]);
    for (let i = 1; i < whole.length - 1; i += 7) {
      for (let j = i + 1; j < whole.length; j += 11) {
        const events = await collect(
          body([whole.slice(0, i), whole.slice(i, j), whole.slice(j)]),
        );
        expect(events).toEqual(expected);
      }
    }
  });

  it('yields several events that arrive in one chunk, in order', async () => {
    const chunk =
      sse('delta', { content: 'a' }) +
      sse('delta', { content: 'b' }) +
      sse('done', {
        assistant_message: { ...message, role: 'assistant' },
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
        quota,
      });
    const events = await collect(body([chunk]));
    expect(events.map((e) => e.event)).toEqual(['delta', 'delta', 'done']);
    expect(events[1]).toEqual({ event: 'delta', data: { content: 'b' } });
    const done = events[2];
    expect(done.event === 'done' && done.data.quota.messages.used).toBe(1);
  });

  it('passes an error event through with its code and message', async () => {
    const events = await collect(
      body([
        sse('delta', { content: 'part' }),
        sse('error', { code: 'AI_PROVIDER_ERROR', message: 'upstream failed' }),
      ]),
    );
    expect(events).toEqual([
      { event: 'delta', data: { content: 'part' } },
      {
        event: 'error',
        data: { code: 'AI_PROVIDER_ERROR', message: 'upstream failed' },
      },
    ]);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = encoder.encode(sse('delta', { content: 'Привет' }));
    const cut = bytes.indexOf(0xd0, 30) + 1; // inside a two-byte Cyrillic letter
    const events = await collect(body([bytes.slice(0, cut), bytes.slice(cut)]));
    expect(events).toEqual([{ event: 'delta', data: { content: 'Привет' } }]);
  });

  it('drops an event the stream ended in the middle of', async () => {
    const events = await collect(
      body([sse('delta', { content: 'x' }), 'event: delta\ndata: {"content":']),
    );
    expect(events).toEqual([{ event: 'delta', data: { content: 'x' } }]);
  });
});

describe('SseParser', () => {
  it('handles CRLF and CR line ends, even a CRLF split across chunks', () => {
    const parser = new SseParser();
    expect(parser.push('event: delta\r\ndata: {"content":"1"}\r')).toEqual([]);
    expect(parser.push('\n\r\nevent: delta\rdata: 2\r\r')).toEqual([
      { event: 'delta', data: '{"content":"1"}' },
      { event: 'delta', data: '2' },
    ]);
  });

  it('ignores comments, joins multi-line data and names unnamed events "message"', () => {
    const parser = new SseParser();
    expect(
      parser.push(': keep-alive\n\ndata: line 1\ndata:line 2\n\n'),
    ).toEqual([{ event: 'message', data: 'line 1\nline 2' }]);
  });
});
