import { type SseEvent, SseParser, SseTooLong } from './sse-parser';

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

  describe('with a bound', () => {
    const MAX = 1024;

    it('throws once a line that never ends grows over the bound, piece by piece', () => {
      const parser = new SseParser(MAX);
      expect(parser.push('data: ')).toEqual([]);
      const piece = 'x'.repeat(100);
      let pushed = 6;
      // Up to the bound it waits for the rest of the line.
      while (pushed + piece.length <= MAX) {
        expect(parser.push(piece)).toEqual([]);
        pushed += piece.length;
      }
      expect(() => parser.push(piece)).toThrow(SseTooLong);
    });

    it('throws for a whole line over the bound in one piece, and for a comment too', () => {
      const long = 'y'.repeat(MAX + 1);
      expect(() => new SseParser(MAX).push(`data: ${long}\n\n`)).toThrow(
        SseTooLong,
      );
      expect(() => new SseParser(MAX).push(`: ${long}\n`)).toThrow(SseTooLong);
      const unended = new SseParser(MAX);
      expect(() => unended.push(`data: ${long}`)).toThrow(SseTooLong);
    });

    it('counts bytes, not characters', () => {
      // 400 Cyrillic letters: 400 characters, 800 bytes of UTF-8.
      const word = 'ж'.repeat(400);
      expect(new SseParser(MAX).push(`data: ${word}\n\n`)).toEqual([
        { event: 'message', data: word },
      ]);
      expect(() => new SseParser(MAX).push(`data: ${word}${word}\n`)).toThrow(
        SseTooLong,
      );
    });

    it('bounds the data of one event over several lines', () => {
      const line = `data: ${'z'.repeat(300)}\n`;
      const parser = new SseParser(MAX);
      expect(parser.push(`${line}${line}${line}\n`)).toHaveLength(1);
      expect(() => parser.push(line + line + line + line)).toThrow(SseTooLong);
    });

    it('reads a line of exactly the bound as before', () => {
      const exact = `data: ${'a'.repeat(MAX - 6)}`;
      expect(data(new SseParser(MAX).push(`${exact}\n\n`))).toEqual([
        'a'.repeat(MAX - 6),
      ]);
    });
  });
});
