import { TestBed } from '@angular/core/testing';
import { TranslateService } from '@ngx-translate/core';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { REASON_CODES, refusalReason } from './refusal-reason';

describe('refusalReason', () => {
  it('names a known code by its own key, an HTTP status by its number, and any other code as it is', () => {
    expect(refusalReason('QUOTA_MESSAGES_EXCEEDED')).toEqual({
      key: 'errors.reason.QUOTA_MESSAGES_EXCEEDED',
      params: {},
    });
    expect(refusalReason('HTTP_502')).toEqual({
      key: 'errors.reason.HTTP',
      params: { status: 502 },
    });
    expect(refusalReason('SOMETHING_NEW')).toEqual({
      key: 'errors.reason.other',
      params: { code: 'SOMETHING_NEW' },
    });
  });

  it('says every code the log can hold in both languages, never as the code', () => {
    TestBed.configureTestingModule({ providers: [provideTestI18n()] });
    const translate = TestBed.inject(TranslateService);
    for (const lang of ['en', 'ru'] as const) {
      useLanguage(lang);
      for (const code of [...REASON_CODES, 'HTTP_500']) {
        const { key, params } = refusalReason(code);
        const text = translate.instant(key, params) as string;
        expect(text).not.toBe(key);
        expect(text).not.toContain(code);
        expect(text).not.toMatch(/\{\{/);
        if (lang === 'ru') {
          expect(text).toMatch(/[а-яё]/i);
        }
      }
    }
  });
});
