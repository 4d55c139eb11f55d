/** Characters of the first message used as a chat's title, at most. */
export const AUTO_TITLE_CHARS = 60;

/**
 * A title for an untitled chat from its first message: whitespace collapsed,
 * trimmed, cut on a word boundary to at most about 60 characters (an ellipsis
 * marks the cut). Whole characters only: an emoji is never split.
 */
export function titleFromMessage(content: string): string {
  const text = content.replace(/\s+/gu, ' ').trim();
  const chars = Array.from(text);
  if (chars.length <= AUTO_TITLE_CHARS) return text;
  const head = chars.slice(0, AUTO_TITLE_CHARS + 1).join('');
  const space = head.lastIndexOf(' ');
  // No space in a reasonable place (one long word, or CJK text): cut at the limit.
  const cut =
    space >= AUTO_TITLE_CHARS / 3
      ? head.slice(0, space)
      : chars.slice(0, AUTO_TITLE_CHARS).join('');
  return `${cut.replace(/[\s.,;:!?-]+$/u, '')}…`;
}
