/**
 * The cursor of `GET /api/chats?before=`: the sort key of the last chat of a
 * page (its activity and creation times to the microsecond, and its id),
 * with the id of the user whose list it came from. Opaque to clients:
 * base64url of 49 bytes, version 1 first.
 *
 * Microseconds because PostgreSQL keeps them: a key cut to milliseconds
 * would sit between chats active within the same millisecond, and a page
 * could skip or repeat them.
 */
export interface ChatCursor {
  /** `updated_at` as an ISO 8601 text with six decimals, for `::timestamptz`. */
  updatedAt: string;
  /** `created_at`, the same way. */
  createdAt: string;
  chatId: string;
}

/** The sort key as the list's SQL reads it: times in whole microseconds since 1970, as text. */
export interface ChatSortKey {
  updatedUs: string;
  createdUs: string;
  id: string;
}

const VERSION = 1;
const BYTES = 1 + 8 + 8 + 16 + 16;
const TEXT = /^[A-Za-z0-9_-]{66}$/;
/** 10000-01-01T00:00:00Z: a later time has a year ISO 8601 writes with a sign, which PostgreSQL refuses. */
const MAX_US = BigInt('253402300800000000');
const THOUSAND = BigInt(1000);
const ZERO = BigInt(0);

const uuidBytes = (uuid: string): Buffer =>
  Buffer.from(uuid.replace(/-/g, ''), 'hex');

const uuidText = (bytes: Buffer): string => {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** Microseconds since 1970 → `2026-12-08T03:56:04.123456Z`. */
export function microsToIso(us: bigint): string {
  const ms = new Date(Number(us / THOUSAND)).toISOString(); // …ss.mmmZ
  return `${ms.slice(0, -1)}${String(us % THOUSAND).padStart(3, '0')}Z`;
}

export function encodeChatCursor(userId: string, key: ChatSortKey): string {
  const buf = Buffer.alloc(BYTES);
  buf.writeUInt8(VERSION, 0);
  buf.writeBigInt64BE(BigInt(key.updatedUs), 1);
  buf.writeBigInt64BE(BigInt(key.createdUs), 9);
  uuidBytes(key.id).copy(buf, 17);
  uuidBytes(userId).copy(buf, 33);
  return buf.toString('base64url');
}

/**
 * The position a cursor names, or null when it is not a cursor of this
 * user's list: malformed, of another version, or handed out to another user.
 */
export function decodeChatCursor(
  userId: string,
  text: string,
): ChatCursor | null {
  if (!TEXT.test(text)) return null;
  const buf = Buffer.from(text, 'base64url');
  // Unused low bits in the last character would make a second spelling of the same bytes.
  if (buf.length !== BYTES || buf.toString('base64url') !== text) return null;
  if (buf.readUInt8(0) !== VERSION) return null;
  if (!buf.subarray(33).equals(uuidBytes(userId))) return null;
  const updated = buf.readBigInt64BE(1);
  const created = buf.readBigInt64BE(9);
  if ([updated, created].some((us) => us < ZERO || us >= MAX_US)) return null;
  return {
    updatedAt: microsToIso(updated),
    createdAt: microsToIso(created),
    chatId: uuidText(buf.subarray(17, 33)),
  };
}
