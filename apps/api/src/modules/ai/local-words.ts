import type { AnswerLanguage } from './answer-language';

/** What the built-in local model says, in each language it answers in. */
export interface LocalWords {
  locale: string;
  intro: string;
  empty: string;
  asked: string;
  shortened: (shown: string, total: string) => string;
  about: string;
  words: string;
  characters: string;
  lines: string;
  tokens: string;
  frequent: string;
  first: string;
  nth: (ordinal: string) => string;
}

export const LOCAL_WORDS: Record<AnswerLanguage, LocalWords> = {
  en: {
    locale: 'en-US',
    intro:
      "I'm **Tally's built-in local model**. I run inside this server, with no network and no real language " +
      "model behind me, so I can't really answer yet. For real answers, an administrator can connect an " +
      'OpenAI-compatible provider (OpenAI, Ollama, vLLM, llama.cpp) with `AI_PROVIDER=openai`, `AI_BASE_URL`, ' +
      '`AI_API_KEY` and `AI_MODEL`.',
    empty: 'Your message was empty, so there is nothing to repeat back.',
    asked: 'You asked:',
    shortened: (shown, total) =>
      `_(The quote shows the first ${shown} of ${total} characters.)_`,
    about: 'About your message:',
    words: 'Words',
    characters: 'Characters',
    lines: 'Lines',
    tokens: 'Tokens',
    frequent: 'Most frequent words',
    first: 'This is the first message of our conversation.',
    nth: (ordinal) =>
      `This is message ${ordinal} of yours in our conversation.`,
  },
  ru: {
    locale: 'ru-RU',
    intro:
      'Я **встроенная локальная модель Tally**. Я работаю внутри этого сервера, без сети и без настоящей ' +
      'языковой модели, поэтому пока не могу ответить по существу. Для настоящих ответов администратор может ' +
      'подключить OpenAI-совместимого провайдера (OpenAI, Ollama, vLLM, llama.cpp) через `AI_PROVIDER=openai`, ' +
      '`AI_BASE_URL`, `AI_API_KEY` и `AI_MODEL`.',
    empty: 'Ваше сообщение пустое, повторять нечего.',
    asked: 'Вы спросили:',
    shortened: (shown, total) =>
      `_(В цитате первые символы: ${shown} из ${total}.)_`,
    about: 'О вашем сообщении:',
    words: 'Слов',
    characters: 'Символов',
    lines: 'Строк',
    tokens: 'Токенов',
    frequent: 'Частые слова',
    first: 'Это первое сообщение нашего разговора.',
    nth: (ordinal) => `Это ваше сообщение № ${ordinal} в нашем разговоре.`,
  },
};
