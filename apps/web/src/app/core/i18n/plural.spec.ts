import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { PluralPipe, pluralCategory } from './plural';

@Component({
  imports: [PluralPipe],
  template: `{{ count() | plural: 'admin.users.count' }}`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
class Host {
  readonly count = input(0);
}

function render(count: number): string {
  const fixture = TestBed.createComponent(Host);
  fixture.componentRef.setInput('count', count);
  fixture.detectChanges();
  return (fixture.nativeElement as HTMLElement).textContent?.trim() ?? '';
}

describe('Russian plurals', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: provideTestI18n() });
  });

  it('picks one / few / many by the CLDR rules', () => {
    expect([1, 21, 101].map((n) => pluralCategory('ru', n))).toEqual([
      'one',
      'one',
      'one',
    ]);
    expect([2, 3, 4, 22, 104].map((n) => pluralCategory('ru', n))).toEqual([
      'few',
      'few',
      'few',
      'few',
      'few',
    ]);
    expect(
      [0, 5, 11, 12, 14, 25, 111].map((n) => pluralCategory('ru', n)),
    ).toEqual(['many', 'many', 'many', 'many', 'many', 'many', 'many']);
    expect(pluralCategory('en', 1)).toBe('one');
    expect(pluralCategory('en', 21)).toBe('other');
  });

  it('translates counted phrases with the right form from ru.json', () => {
    useLanguage('ru');
    expect(render(1)).toBe('1 пользователь');
    expect(render(2)).toBe('2 пользователя');
    expect(render(5)).toBe('5 пользователей');
    expect(render(11)).toBe('11 пользователей');
    expect(render(21)).toBe('21 пользователь');
    expect(render(1000)).toBe('1\u00a0000 пользователей');
  });

  it('follows a language switch without new input', () => {
    useLanguage('en');
    const fixture = TestBed.createComponent(Host);
    fixture.componentRef.setInput('count', 21);
    fixture.detectChanges();
    expect(fixture.nativeElement.textContent.trim()).toBe('21 users');
    useLanguage('ru');
    fixture.detectChanges();
    expect(fixture.nativeElement.textContent.trim()).toBe('21 пользователь');
  });
});
