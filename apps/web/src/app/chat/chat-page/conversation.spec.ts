import { streamErrorKey, titleFrom } from './conversation';

describe('titleFrom', () => {
  it("is the message's first line, trimmed", () => {
    expect(titleFrom('  Hello there \nsecond line')).toBe('Hello there');
  });

  it('shortens a long line to 60 characters, ending in an ellipsis', () => {
    const title = titleFrom('x'.repeat(61));
    expect(title).toHaveLength(60);
    expect(title.endsWith('…')).toBe(true);
    expect(titleFrom('y'.repeat(60))).toBe('y'.repeat(60));
  });
});

describe('streamErrorKey', () => {
  it('names a known code of an error event', () => {
    expect(streamErrorKey('TOO_MANY_STREAMS')).toBe(
      'errors.code.TOO_MANY_STREAMS',
    );
  });

  it('says the answer stopped when the event names no code it knows', () => {
    expect(streamErrorKey(undefined)).toBe('errors.stream.failed');
    expect(streamErrorKey('SOMETHING_NEW')).toBe('errors.stream.failed');
  });
});
