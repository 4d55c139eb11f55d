import { provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Title } from '@angular/platform-browser';
import { Router, Routes, TitleStrategy, provideRouter } from '@angular/router';
import { TranslateService } from '@ngx-translate/core';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { ADMIN_ROUTES } from '../../admin/admin.routes';
import { appRoutes } from '../../app.routes';
import { CHAT_ROUTES } from '../../chat/chat.routes';
import { TranslatedTitleStrategy } from './title.strategy';

/** Every `title` of a route tree. */
function titles(routes: Routes): string[] {
  return routes.flatMap((route) => [
    ...(typeof route.title === 'string' ? [route.title] : []),
    ...titles(route.children ?? []),
  ]);
}

describe('TranslatedTitleStrategy', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideRouter([
          { path: 'users', title: 'admin.users.title', children: [] },
          { path: 'plain', children: [] },
        ]),
        { provide: TitleStrategy, useClass: TranslatedTitleStrategy },
        provideTestI18n(),
      ],
    });
    useLanguage('en');
  });

  it('names the page in the chosen language, and follows a switch', async () => {
    const title = TestBed.inject(Title);
    await TestBed.inject(Router).navigateByUrl('/users');
    expect(title.getTitle()).toBe('Users · Tally');
    useLanguage('ru');
    expect(title.getTitle()).toBe('Пользователи · Tally');
    await TestBed.inject(Router).navigateByUrl('/plain');
    expect(title.getTitle()).toBe('Tally');
  });

  it("every route's title is a key both languages have", () => {
    const keys = titles([...appRoutes, ...CHAT_ROUTES, ...ADMIN_ROUTES]);
    expect(keys.length).toBeGreaterThanOrEqual(6);
    const translate = TestBed.inject(TranslateService);
    for (const lang of ['en', 'ru'] as const) {
      useLanguage(lang);
      for (const key of keys) {
        expect(translate.instant(key), `${lang}: ${key}`).not.toBe(key);
      }
    }
  });
});
