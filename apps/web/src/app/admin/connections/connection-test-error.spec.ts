import { TestBed } from '@angular/core/testing';
import { TranslateService } from '@ngx-translate/core';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { connectionTestFailure } from './connection-test-error';

/** What the API answers, as its connection test words it. */
const AT = 'AI provider at 10.0.0.7:8080 (model "test")';

describe('connectionTestFailure', () => {
  it.each([
    [
      `${AT} could not be reached: fetch failed: connect ECONNREFUSED 10.0.0.7:8080`,
      'unreachable',
      {},
    ],
    [
      `${AT} did not list its models within 60000 ms`,
      'timeout',
      { seconds: 60 },
    ],
    [`${AT} answered HTTP 401 to GET /models`, 'refusedKey', { status: 401 }],
    [`${AT} answered HTTP 403 to GET /models`, 'refusedKey', { status: 403 }],
    [`${AT} answered HTTP 404 to GET /models`, 'noModelList', { status: 404 }],
    [`${AT} answered HTTP 500 to GET /models`, 'http', { status: 500 }],
    [
      `${AT} failed: the server answered with a redirect (HTTP 302) to GET /models, which is not followed`,
      'redirect',
      { status: 302 },
    ],
    [
      `${AT} sent a model list over 1 MiB, which was not read further`,
      'tooLarge',
      {},
    ],
    [
      `${AT} sent an HTTP 500 answer over 1 MiB, which was not read further`,
      'tooLarge',
      {},
    ],
    [`${AT} sent a model list that is not JSON`, 'notJson', {}],
    [`${AT} sent no model list`, 'noList', {}],
    ['The provider could not be asked for its models', 'other', {}],
    ['anything else', 'other', {}],
  ])('%s → %s', (error, reason, params) => {
    expect(connectionTestFailure(error)).toEqual({
      key: `admin.connections.testError.${reason}`,
      params,
    });
  });

  it('has words in both languages for every reason, without the address', () => {
    TestBed.configureTestingModule({ providers: [provideTestI18n()] });
    const translate = TestBed.inject(TranslateService);
    const reasons = [
      'unreachable',
      'timeout',
      'refusedKey',
      'noModelList',
      'http',
      'redirect',
      'tooLarge',
      'notJson',
      'noList',
      'other',
    ];
    for (const lang of ['en', 'ru'] as const) {
      useLanguage(lang);
      for (const reason of reasons) {
        const key = `admin.connections.testError.${reason}`;
        const text = translate.instant(key, { status: 401, seconds: 60 });
        expect(text).not.toBe(key);
        expect(text).not.toMatch(/\{\{/);
        if (lang === 'ru') {
          expect(text).toMatch(/[а-я]/);
        }
      }
    }
  });
});
