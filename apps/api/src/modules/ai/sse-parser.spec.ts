import { type SseEvent, SseParser } from './sse-parser';

/** Feeds `text` cut at the given offsets and collects every event. */
function parse(text: string, cuts: number[] = []): SseEvent[] {
  const parser = new SseParser();
  const out: SseEvent[] = [];
  let last = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...parser.push(text.slice(last, cut)));
    last = cut;
  }
  out.push(...parser.end());
  return out;
}

const data = (events: SseEvent[]) => events.map((e) => e.data);

describe('SseParser', () => {
  const stream =
    ': keep-alive\n\n' +
    'data: {"a":1}\n\n' +
    'data: {"b":2}\n\n' +
    'event: error\ndata: {"c":3}\n\n' +
    'data: [DONE]\n\n';
  const expected = ['{"a":1}', '{"b":2}', '{"c":3}', '[DONE]'];

  it('parses several events in one chunk and skips comments', () => {
    const events = parse(stream);
    expect(data(events)).toEqual(expected);
    expect(events[2].event).toBe('error');
    expect(events[0].event).toBe('message');
  });

  it('gives the same events however the text is cut', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(data(parse(stream, [cut]))).toEqual(expected);
    }
    // One character at a time.
    const everyChar = Array.from({ length: stream.length }, (_, i) => i);
    expect(data(parse(stream, everyChar))).toEqual(expected);
  });

  it('accepts \\r\\n and \\r line ends, also when \\r\\n is cut in two', () => {
    const crlf = stream.replace(/\n/g, '\r\n');
    const cr = stream.replace(/\n/g, '\r');
    for (const text of [crlf, cr]) {
      for (let cut = 0; cut <= text.length; cut++) {
        expect(data(parse(text, [cut]))).toEqual(expected);
      }
    }
    // A `\r` right at the end of a chunk followed by `\n` is one line end, not two.
    const parser = new SseParser();
    expect(parser.push('data: x\r')).toEqual([]);
    expect(parser.push('\ndata: y\r\n\r\n')).toEqual([
      { event: 'message', data: 'x\ny' },
    ]);
  });

  it('joins several data lines with \\n and strips one leading space only', () => {
    expect(data(parse('data:one\ndata:  two\ndata\n\n'))).toEqual([
      'one\n two\n',
    ]);
  });

  it('ignores id, retry, unknown fields and events without data', () => {
    expect(
      data(parse('id: 1\nretry: 10\nfoo: bar\n\nevent: ping\n\ndata: z\n\n')),
    ).toEqual(['z']);
  });

  it('keeps a last event that has no blank line after it', () => {
    expect(data(parse('data: {"a":1}\n\ndata: [DONE]'))).toEqual([
      '{"a":1}',
      '[DONE]',
    ]);
    expect(data(parse('data: [DONE]\r'))).toEqual(['[DONE]']);
  });

  it('drops a byte-order mark at the start', () => {
    expect(data(parse('\uFEFFdata: x\n\n'))).toEqual(['x']);
  });
});
