import { TestBed } from '@angular/core/testing';
import { provideTestI18n, useLanguage } from '../../testing/i18n';
import {
  TranslatedDatepickerIntl,
  TranslatedPaginatorIntl,
} from './material-intl';

describe('Material labels', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideTestI18n(),
        TranslatedPaginatorIntl,
        TranslatedDatepickerIntl,
      ],
    });
    useLanguage('en');
  });

  it('are in the chosen language and follow a switch, telling the components', () => {
    const paginator = TestBed.inject(TranslatedPaginatorIntl);
    const datepicker = TestBed.inject(TranslatedDatepickerIntl);
    expect(paginator.itemsPerPageLabel).toBe('Rows per page');
    expect(datepicker.openCalendarLabel).toBe('Open calendar');
    let changes = 0;
    paginator.changes.subscribe(() => changes++);

    useLanguage('ru');
    expect(changes).toBeGreaterThan(0);
    expect(paginator.itemsPerPageLabel).toBe('Строк на странице');
    expect(paginator.nextPageLabel).toBe('Следующая страница');
    expect(datepicker.openCalendarLabel).toBe('Открыть календарь');
    expect(datepicker.switchToMultiYearViewLabel).toBe('Выбрать месяц и год');
  });

  it('write the range with the numbers of the language', () => {
    const paginator = TestBed.inject(TranslatedPaginatorIntl);
    expect(paginator.getRangeLabel(1, 20, 1234)).toBe('21–40 of 1,234');
    useLanguage('ru');
    expect(paginator.getRangeLabel(0, 20, 0)).toBe('0 из 0');
    expect(paginator.getRangeLabel(61, 20, 1234)).toBe(
      '1\u00a0221–1\u00a0234 из 1\u00a0234',
    );
  });
});
