import { checkJsonDepth, JsonTooDeepError } from './json-depth';

const nested = (n: number, open = '[', close = ']') =>
  Buffer.from(open.repeat(n) + close.repeat(n));

describe('checkJsonDepth', () => {
  it('accepts 64 levels and refuses 65', () => {
    expect(() => checkJsonDepth(nested(64))).not.toThrow();
    expect(() => checkJsonDepth(nested(65))).toThrow(JsonTooDeepError);
    expect(() =>
      checkJsonDepth(Buffer.from('{"a":'.repeat(65) + '1' + '}'.repeat(65))),
    ).toThrow(JsonTooDeepError);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ s: '[[[[\\"{{{{'.repeat(100) });
    expect(() => checkJsonDepth(Buffer.from(text), 2)).not.toThrow();
    expect(() =>
      checkJsonDepth(Buffer.from(JSON.stringify({ a: '\\', b: [[[1]]] })), 3),
    ).toThrow(JsonTooDeepError);
  });

  it('counts depth, not the number of siblings', () => {
    const wide = Buffer.from(JSON.stringify(Array(1000).fill([[1]])));
    expect(() => checkJsonDepth(wide, 3)).not.toThrow();
  });
});
