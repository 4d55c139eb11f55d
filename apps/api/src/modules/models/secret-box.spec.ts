import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('seals without the text in clear, and opens what it sealed', () => {
    const key = 'sk-live-0123456789abcdef';
    const sealed = box.seal(key);
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain(key);
    expect(
      Buffer.from(sealed.slice(3), 'base64').toString('latin1'),
    ).not.toContain(key);
    expect(box.seal(key)).not.toBe(sealed);
    expect(box.open(sealed)).toBe(key);
  });

  it('refuses another key and a changed text', () => {
    const sealed = box.seal('secret');
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`)).toThrow();
  });
});
