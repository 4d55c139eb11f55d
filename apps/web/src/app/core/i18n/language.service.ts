import { DOCUMENT } from '@angular/common';
import { Injectable, inject, signal } from '@angular/core';
import { TranslateService } from '@ngx-translate/core';
import { Observable, map, tap } from 'rxjs';
import { STORAGE_KEYS, storage } from '../storage';

export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

export function isLanguage(value: unknown): value is Language {
  return (
    typeof value === 'string' &&
    (LANGUAGES as readonly string[]).includes(value)
  );
}

/**
 * The language to start in: the one chosen on an earlier visit, else the
 * first of the browser's preferred languages that we have, else English.
 */
export function initialLanguage(
  stored: string | null,
  browserLanguages: readonly string[] | undefined,
): Language {
  if (isLanguage(stored)) {
    return stored;
  }
  for (const tag of browserLanguages ?? []) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) {
      return base;
    }
  }
  return DEFAULT_LANGUAGE;
}

/** The chosen UI language, remembered across visits. */
@Injectable({ providedIn: 'root' })
export class LanguageService {
  private readonly translate = inject(TranslateService);
  private readonly document = inject(DOCUMENT);
  private readonly current = signal<Language>(
    initialLanguage(
      storage.get(STORAGE_KEYS.lang),
      globalThis.navigator?.languages,
    ),
  );

  /** The language whose translations are loaded and shown. */
  readonly lang = this.current.asReadonly();

  /** Loads the starting language; run once at start-up. */
  init(): Observable<void> {
    this.translate.addLangs([...LANGUAGES]);
    return this.apply(this.current());
  }

  use(lang: Language): Observable<void> {
    storage.set(STORAGE_KEYS.lang, lang);
    return this.apply(lang);
  }

  private apply(lang: Language): Observable<void> {
    return this.translate.use(lang).pipe(
      tap(() => {
        this.current.set(lang);
        this.document.documentElement.lang = lang;
      }),
      map(() => undefined),
    );
  }
}
