import { TestBed } from '@angular/core/testing';
import { TranslateService } from '@ngx-translate/core';
import type { Limit } from '@tally/api-contract';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { NamedLimit, limitSentence, usedOfText } from './limit-words';

function named(
  extra: Partial<Limit>,
  subject_name: string | null = null,
): NamedLimit {
  return {
    id: 'l',
    subject: 'everyone',
    subject_id: null,
    metric: 'messages',
    window: 'day',
    model: null,
    shared: false,
    amount: 50,
    subject_name,
    ...extra,
  };
}

describe('limits in words', () => {
  let t: TranslateService;
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: provideTestI18n() });
    useLanguage('en');
    t = TestBed.inject(TranslateService);
  });

  it('says who, how much and per what, in English', () => {
    const say = (limit: NamedLimit) => limitSentence(t, 'en', limit);
    expect(say(named({ subject: 'group', subject_id: 'g' }, 'Research'))).toBe(
      'each member of Research: 50 messages a day',
    );
    expect(
      say(
        named(
          {
            subject: 'group',
            subject_id: 'g',
            shared: true,
            metric: 'cost',
            window: 'month',
            amount: 200_000_000,
          },
          'Research',
        ),
      ),
    ).toBe('Research together: $200 a month');
    expect(say(named({ metric: 'tokens', amount: 500_000 }))).toBe(
      'everyone: 500,000 tokens a day',
    );
    expect(
      say(
        named(
          {
            subject: 'user',
            subject_id: 'u',
            metric: 'cost',
            window: 'month',
            amount: 5_000_000,
            model: 'gpt-4o',
          },
          'Ann (ann@x)',
        ),
      ),
    ).toBe('Ann (ann@x): $5 a month on gpt-4o');
    expect(say(named({ amount: 1, window: 'week' }))).toBe(
      'everyone: 1 message a week',
    );
    expect(
      say(named({ shared: true, metric: 'cost', amount: 1_500_000 })),
    ).toBe('everyone together: $1.50 a day');
  });

  it('says it in Russian with the right plural forms', () => {
    useLanguage('ru');
    const say = (limit: NamedLimit) => limitSentence(t, 'ru', limit);
    expect(say(named({ subject: 'group', subject_id: 'g' }, 'Research'))).toBe(
      'каждый участник группы Research: 50 сообщений в день',
    );
    expect(say(named({ amount: 2, window: 'week' }))).toBe(
      'все: 2 сообщения в неделю',
    );
    expect(say(named({ amount: 21, window: 'month' }))).toBe(
      'все: 21 сообщение в месяц',
    );
    expect(say(named({ metric: 'tokens', amount: 500_000 }))).toBe(
      'все: 500\u00a0000 токенов в день',
    );
  });

  it('says how much of a limit is used', () => {
    expect(usedOfText(t, 'en', 'messages', 3, 100)).toBe('3 of 100 messages');
    expect(usedOfText(t, 'en', 'cost', 41_250_000, 200_000_000)).toBe(
      '$41.25 of $200',
    );
    useLanguage('ru');
    expect(usedOfText(t, 'ru', 'messages', 3, 21)).toBe('3 из 21 сообщения');
    expect(usedOfText(t, 'ru', 'tokens', 3, 100)).toBe('3 из 100 токенов');
  });
});
