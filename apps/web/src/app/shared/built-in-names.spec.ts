import { TestBed } from '@angular/core/testing';
import { TranslateService } from '@ngx-translate/core';
import { provideTestI18n, useLanguage } from '../../testing/i18n';
import { builtInNameKey, shownName } from './built-in-names';

describe('built-in names', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideTestI18n()] });
    useLanguage('en');
  });

  it("says the built-in model's and connection's names in the page's language", () => {
    const translate = TestBed.inject(TranslateService);
    const model = { id: 'local', name: 'Local model' };
    const connection = { source: 'built-in', name: 'Built-in local model' };
    expect(shownName(translate, model)).toBe('Local model');
    useLanguage('ru');
    expect(shownName(translate, model)).toBe('Локальная модель');
    expect(shownName(translate, connection)).toBe(
      'Встроенная локальная модель',
    );
  });

  it('shows a name an admin gave as it is, and any other model or connection too', () => {
    useLanguage('ru');
    const translate = TestBed.inject(TranslateService);
    expect(shownName(translate, { id: 'local', name: 'Наша модель' })).toBe(
      'Наша модель',
    );
    expect(
      shownName(translate, { source: 'built-in', name: 'Локальная' }),
    ).toBe('Локальная');
    expect(builtInNameKey({ id: 'gpt', name: 'Local model' })).toBeNull();
    expect(
      builtInNameKey({ source: 'admin', name: 'Built-in local model' }),
    ).toBeNull();
  });
});
