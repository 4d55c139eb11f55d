import { TestBed } from '@angular/core/testing';
import { TranslateService } from '@ngx-translate/core';
import { provideTestI18n } from '../../../testing/i18n';
import { STORAGE_KEYS } from '../storage';
import { LanguageService, initialLanguage } from './language.service';

describe('initialLanguage', () => {
  it('prefers the language remembered from an earlier visit', () => {
    expect(initialLanguage('ru', ['en-US'])).toBe('ru');
  });

  it('else takes the first browser language that the app has', () => {
    expect(initialLanguage(null, ['de-DE', 'ru-RU', 'en'])).toBe('ru');
    expect(initialLanguage('xx', ['en-GB'])).toBe('en');
  });

  it('else falls back to English', () => {
    expect(initialLanguage(null, ['fr-FR'])).toBe('en');
    expect(initialLanguage(null, undefined)).toBe('en');
  });
});

describe('LanguageService', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: provideTestI18n() });
  });

  it('remembers the choice in localStorage and sets <html lang>', () => {
    const service = TestBed.inject(LanguageService);
    service.use('ru').subscribe();
    expect(localStorage.getItem(STORAGE_KEYS.lang)).toBe('ru');
    expect(service.lang()).toBe('ru');
    expect(document.documentElement.lang).toBe('ru');
    expect(TestBed.inject(TranslateService).instant('shell.logout')).toBe(
      'Выйти',
    );
  });
});
