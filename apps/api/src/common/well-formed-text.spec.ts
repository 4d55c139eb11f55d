import { findIllFormedText, isWellFormedText } from './well-formed-text';

const HIGH = '\ud800';
const LOW = '\udc00';
const PAIR = '\ud83d\ude00'; // 😀

describe('isWellFormedText', () => {
  it('refuses a NUL character and unpaired surrogates, wherever they are', () => {
    for (const bad of [
      '\u0000',
      'a\u0000b',
      HIGH,
      LOW,
      `a${HIGH}`,
      `${LOW}a`,
      `${HIGH}${HIGH}${LOW}`, // the first high one is unpaired
      `${LOW}${HIGH}`, // the wrong order pairs nothing
      `${PAIR}${HIGH}`,
      `${'x'.repeat(100_000)}${LOW}`,
    ]) {
      expect([JSON.stringify(bad).slice(0, 40), isWellFormedText(bad)]).toEqual(
        [JSON.stringify(bad).slice(0, 40), false],
      );
    }
  });

  it('accepts every other text: pairs, RTL and zero-width marks, other control characters', () => {
    for (const good of [
      '',
      'plain',
      PAIR,
      `${PAIR}${PAIR}`,
      '\u202etxt.exe\u200b\u200f\ufeff',
      '\u0001\u001f\u007f',
      'привет',
      "'; DROP TABLE users; --",
      'x'.repeat(100_000),
    ]) {
      expect(isWellFormedText(good)).toBe(true);
    }
  });
});

describe('findIllFormedText', () => {
  it('finds nothing in well-formed values of any kind', () => {
    expect(
      findIllFormedText({
        a: [1, true, null, { b: PAIR }],
        [PAIR]: 'key',
        n: 1.5,
      }),
    ).toBeNull();
    expect(findIllFormedText(undefined)).toBeNull();
    expect(findIllFormedText(42)).toBeNull();
  });

  it('names the path of a bad value at any depth', () => {
    expect(findIllFormedText(`a${HIGH}`)).toEqual({ path: '', key: false });
    expect(findIllFormedText({ email: `a${LOW}@x.io` })).toEqual({
      path: 'email',
      key: false,
    });
    expect(
      findIllFormedText({
        model: 'local',
        messages: [
          { role: 'user', content: 'ok' },
          { role: 'user', content: [{ type: 'text', text: 'a\u0000' }] },
        ],
      }),
    ).toEqual({ path: 'messages[1].content[0].text', key: false });
    expect(findIllFormedText([['ok', HIGH]])).toEqual({
      path: '[0][1]',
      key: false,
    });
  });

  it('checks keys too, and names the object that holds the bad key', () => {
    expect(findIllFormedText({ [`x${HIGH}`]: 1 })).toEqual({
      path: '',
      key: true,
    });
    expect(findIllFormedText({ a: { b: { '\u0000': 'v' } } })).toEqual({
      path: 'a.b',
      key: true,
    });
  });

  it('reports the first problem only, in document order', () => {
    expect(findIllFormedText({ a: 'ok', b: LOW, c: HIGH })).toEqual({
      path: 'b',
      key: false,
    });
  });
});
