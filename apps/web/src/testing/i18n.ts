import { EnvironmentProviders, Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import {
  TranslateLoader,
  TranslationObject,
  provideTranslateService,
} from '@ngx-translate/core';
import { Observable, of } from 'rxjs';
import en from '../../public/i18n/en.json';
import ru from '../../public/i18n/ru.json';
import { Language, LanguageService } from '../app/core/i18n/language.service';

const DICTIONARIES: Record<Language, TranslationObject> = { en, ru };

/** Serves the real en.json / ru.json synchronously. */
class FileLoader implements TranslateLoader {
  getTranslation(lang: string): Observable<TranslationObject> {
    return of(DICTIONARIES[lang as Language] ?? {});
  }
}

/** ngx-translate with the app's real dictionaries. */
export function provideTestI18n(): (Provider | EnvironmentProviders)[] {
  return [
    provideTranslateService({
      fallbackLang: 'en',
      loader: { provide: TranslateLoader, useClass: FileLoader },
    }),
  ];
}

/** Switches the app's language (synchronously, the loader being synchronous). */
export function useLanguage(lang: Language): void {
  TestBed.inject(LanguageService).use(lang).subscribe();
}
