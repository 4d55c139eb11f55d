import { Pipe, PipeTransform, inject } from '@angular/core';
import { TranslateService } from '@ngx-translate/core';
import { LanguageService } from '../core/i18n/language.service';

/**
 * The built-in model and its connection are created with English names
 * (by the database's first migration). Until an admin renames them, the
 * page says them in its own language; a name an admin gave is shown as
 * given.
 */
const BUILT_IN_MODEL = { id: 'local', name: 'Local model' };
const BUILT_IN_CONNECTION = {
  source: 'built-in',
  name: 'Built-in local model',
};

/** A model (`id`, `name`) or a connection (`source`, `name`). */
export interface Named {
  id?: string;
  source?: string;
  name: string;
}

/** The translation key of a built-in name still as created, else null. */
export function builtInNameKey(item: Named): string | null {
  if (item.source !== undefined) {
    return item.source === BUILT_IN_CONNECTION.source &&
      item.name === BUILT_IN_CONNECTION.name
      ? 'common.builtIn.connection'
      : null;
  }
  return item.id === BUILT_IN_MODEL.id && item.name === BUILT_IN_MODEL.name
    ? 'common.builtIn.model'
    : null;
}

/** The name to show: the built-in one in the page's language, any other as it is. */
export function shownName(translate: TranslateService, item: Named): string {
  const key = builtInNameKey(item);
  return key ? (translate.instant(key) as string) : item.name;
}

/**
 * `{{ model | shownName }}`, `{{ connection | shownName }}`. Impure because
 * it follows the language signal; the work is a comparison.
 */
@Pipe({ name: 'shownName', pure: false })
export class ShownNamePipe implements PipeTransform {
  private readonly translate = inject(TranslateService);
  private readonly language = inject(LanguageService);

  transform(item: Named | null | undefined): string {
    this.language.lang();
    return item ? shownName(this.translate, item) : '';
  }
}
