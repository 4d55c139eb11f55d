import { Injectable, inject } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { RouterStateSnapshot, TitleStrategy } from '@angular/router';
import { TranslateService } from '@ngx-translate/core';

/**
 * The page title, in the chosen language: a route's `title` is a translation
 * key, shown as "Users · Tally"; it follows a language switch at once.
 */
@Injectable({ providedIn: 'root' })
export class TranslatedTitleStrategy extends TitleStrategy {
  private readonly title = inject(Title);
  private readonly translate = inject(TranslateService);
  private key: string | undefined;

  constructor() {
    super();
    this.translate.onTranslationRefresh.subscribe(() => this.apply());
  }

  override updateTitle(snapshot: RouterStateSnapshot): void {
    this.key = this.buildTitle(snapshot);
    this.apply();
  }

  private apply(): void {
    const brand = this.translate.instant('shell.brand') as string;
    this.title.setTitle(
      this.key
        ? (this.translate.instant('shell.pageTitle', {
            page: this.translate.instant(this.key) as string,
            brand,
          }) as string)
        : brand,
    );
  }
}
