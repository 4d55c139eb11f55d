import { provideHttpClient } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { Type, provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import { one } from './dom';
import { provideTestI18n, useLanguage } from './i18n';

/** Renders a dialog component with its data, HTTP faked; `close` records what it closed with. */
export function setUpDialog<T>(dialog: Type<T>, data: unknown) {
  const close = vi.fn();
  TestBed.configureTestingModule({
    providers: [
      provideZonelessChangeDetection(),
      provideHttpClient(),
      provideHttpClientTesting(),
      provideTestI18n(),
      { provide: MAT_DIALOG_DATA, useValue: data },
      { provide: MatDialogRef, useValue: { close } },
    ],
  });
  useLanguage('en');
  const fixture = TestBed.createComponent(dialog);
  const el = fixture.nativeElement as HTMLElement;
  const render = async () => {
    fixture.detectChanges();
    await fixture.whenStable();
    fixture.detectChanges();
  };
  const fill = (testId: string, value: string) => {
    const input = one<HTMLInputElement>(el, `[data-testid="${testId}"]`);
    input.value = value;
    input.dispatchEvent(new Event('input'));
    input.dispatchEvent(new Event('blur'));
  };
  const submit = async () => {
    one<HTMLButtonElement>(el, 'button[type="submit"]').click();
    await render();
  };
  const errors = () =>
    [...el.querySelectorAll('mat-error')].map((e) => e.textContent?.trim());
  return {
    fixture,
    el,
    close,
    render,
    fill,
    submit,
    errors,
    http: TestBed.inject(HttpTestingController),
  };
}
