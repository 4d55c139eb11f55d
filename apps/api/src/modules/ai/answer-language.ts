/** The languages the built-in local model answers in. */
export const ANSWER_LANGUAGES = ['en', 'ru'] as const;
export type AnswerLanguage = (typeof ANSWER_LANGUAGES)[number];

/**
 * The language to answer in, from an `Accept-Language` header (RFC 9110,
 * section 12.5.4): the supported language with the highest weight (`ru-RU`
 * counts as `ru`), English when none is supported or the header is absent.
 */
export function answerLanguage(header: string | undefined): AnswerLanguage {
  let best: AnswerLanguage = 'en';
  let bestWeight = 0;
  for (const part of (header ?? '').split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const primary = range.trim().split('-')[0];
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    if (!(weight > 0)) continue;
    const language = ANSWER_LANGUAGES.find((l) => l === primary);
    if (language && weight > bestWeight) {
      best = language;
      bestWeight = weight;
    }
  }
  return best;
}
