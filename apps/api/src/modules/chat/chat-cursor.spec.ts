import { decodeChatCursor, encodeChatCursor, microsToIso } from './chat-cursor';

const user = '6f1c1f2e-8a5b-4c3d-9e7f-0a1b2c3d4e5f';
const other = '0b7e3c1a-2d4f-4a6b-8c9d-1e2f3a4b5c6d';
const key = {
  updatedUs: '1765166164123456',
  createdUs: '1765166100000001',
  id: 'c0ffee00-1234-4abc-8def-0123456789ab',
};

describe('chat list cursor', () => {
  it('names the position of the last chat, to the microsecond', () => {
    const cursor = encodeChatCursor(user, key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]{66}$/);
    expect(decodeChatCursor(user, cursor)).toEqual({
      updatedAt: '2025-12-08T03:56:04.123456Z',
      createdAt: '2025-12-08T03:55:00.000001Z',
      chatId: key.id,
    });
  });

  it('writes microseconds as ISO 8601 text PostgreSQL reads back exactly', () => {
    expect(microsToIso(BigInt(0))).toBe('1970-01-01T00:00:00.000000Z');
    expect(microsToIso(BigInt('1765166164000999'))).toBe(
      '2025-12-08T03:56:04.000999Z',
    );
  });

  it("refuses another user's cursor, other versions and anything malformed", () => {
    const cursor = encodeChatCursor(user, key);
    expect(decodeChatCursor(other, cursor)).toBeNull();
    const bytes = Buffer.from(cursor, 'base64url');
    const changed = (at: number, value: number) => {
      const copy = Buffer.from(bytes);
      copy[at] = value;
      return copy.toString('base64url');
    };
    expect(decodeChatCursor(user, changed(0, 2))).toBeNull();
    // A time PostgreSQL could not read (year 10000 and later, or before 1970).
    expect(decodeChatCursor(user, changed(1, 0x7f))).toBeNull();
    expect(decodeChatCursor(user, changed(9, 0xff))).toBeNull();
    for (const bad of [
      '',
      'abc',
      cursor.slice(0, -1),
      `${cursor}A`,
      `${cursor.slice(0, -1)}=`,
      cursor.replace(/.$/, (c) => (c === 'B' ? 'C' : 'B')), // unused low bits set
      cursor.replace(/[A-Za-z]/, '+'),
      Buffer.from('{"updated_at":"2026-01-01"}').toString('base64url'),
      'x'.repeat(66),
    ]) {
      expect([bad, decodeChatCursor(user, bad)]).toEqual([bad, null]);
    }
  });
});
