import { titleFromMessage } from './chat-title';

describe('titleFromMessage', () => {
  it('keeps a short message, with its whitespace collapsed and trimmed', () => {
    expect(titleFromMessage('  Hello\n\nworld   again ')).toBe(
      'Hello world again',
    );
  });

  it('cuts a long message on a word boundary and marks the cut', () => {
    expect(
      titleFromMessage(
        'Plan a week in Lisbon with museums, food markets and day trips to Sintra and Cascais',
      ),
    ).toBe('Plan a week in Lisbon with museums, food markets and day…');
  });

  it('drops punctuation left at the cut', () => {
    // 60 characters end with "word," and a space follows.
    expect(
      titleFromMessage(`${'word '.repeat(11)}word, and then a lot more text`),
    ).toBe(`${'word '.repeat(11)}word…`);
  });

  it('cuts one long word at the limit', () => {
    expect(titleFromMessage('x'.repeat(100))).toBe(`${'x'.repeat(60)}…`);
  });

  it('never splits a character made of two UTF-16 units', () => {
    const title = titleFromMessage('🙂'.repeat(70));
    expect(Array.from(title)).toHaveLength(61);
    expect(title).toBe(`${'🙂'.repeat(60)}…`);
  });
});
