import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { TranslatePipe } from '@ngx-translate/core';
import {
  LANGUAGES,
  LanguageService,
  isLanguage,
} from '../core/i18n/language.service';

/** English / Russian; the choice is remembered across visits. */
@Component({
  selector: 'app-language-switch',
  imports: [TranslatePipe],
  template: `
    <label class="lang">
      <span class="visually-hidden">{{
        'shell.language.label' | translate
      }}</span>
      <select
        data-testid="language-switch"
        [value]="language.lang()"
        (change)="choose($event)"
        [attr.aria-label]="'shell.language.label' | translate"
      >
        @for (lang of languages; track lang) {
          <option [value]="lang" [selected]="lang === language.lang()">
            {{ 'shell.language.' + lang | translate }}
          </option>
        }
      </select>
    </label>
  `,
  styles: `
    select {
      font: inherit;
      font-size: 0.875rem;
      padding: 4px 6px;
      border-radius: 6px;
      border: 1px solid var(--mat-sys-outline-variant);
      background: var(--mat-sys-surface);
      color: var(--mat-sys-on-surface);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LanguageSwitch {
  protected readonly language = inject(LanguageService);
  protected readonly languages = LANGUAGES;

  protected choose(event: Event): void {
    const value = (event.target as HTMLSelectElement).value;
    if (isLanguage(value)) {
      this.language.use(value).subscribe();
    }
  }
}
