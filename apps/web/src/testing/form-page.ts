import { provideHttpClient } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import {
  EnvironmentProviders,
  Provider,
  Type,
  provideZonelessChangeDetection,
} from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { AuthResponse } from '@tally/api-contract';
import { provideTestI18n, useLanguage } from './i18n';
import { one } from './dom';

/** What login and registration answer for Ann. */
export const AUTH: AuthResponse = {
  access_token: 'token-1',
  token_type: 'Bearer',
  expires_in: 3600,
  user: {
    id: '5f0c6d1e-8a43-4b4e-9a57-1f9b1c2d3e4f',
    email: 'ann@example.com',
    name: 'Ann',
    role: 'user',
    is_active: true,
    max_ai_messages_per_day: null,
    max_ai_tokens_per_day: null,
    created_at: '2026-11-01T00:00:00.000Z',
    auth_source: 'password',
  },
};

/**
 * Renders a form page in English with HTTP faked (and `providers`, such as
 * what its route provides); helpers fill and submit it by `formControlName`.
 */
export function setUpFormPage<T>(
  page: Type<T>,
  providers: (Provider | EnvironmentProviders)[] = [],
) {
  localStorage.clear();
  TestBed.configureTestingModule({
    providers: [
      provideZonelessChangeDetection(),
      provideHttpClient(),
      provideHttpClientTesting(),
      provideRouter([{ path: '**', children: [] }]),
      provideTestI18n(),
      ...providers,
    ],
  });
  useLanguage('en');
  const fixture: ComponentFixture<T> = TestBed.createComponent(page);
  const el = fixture.nativeElement as HTMLElement;
  const render = async () => {
    fixture.detectChanges();
    await fixture.whenStable();
    fixture.detectChanges();
  };
  const fill = (name: string, value: string) => {
    const input = one<HTMLInputElement>(el, `input[name="${name}"]`);
    input.value = value;
    input.dispatchEvent(new Event('input'));
  };
  const submit = async () => {
    one<HTMLButtonElement>(el, 'button[type="submit"]').click();
    await render();
  };
  const alert = () =>
    el.querySelector('[role="alert"]')?.textContent?.trim() ?? null;
  return {
    fixture,
    el,
    render,
    fill,
    submit,
    alert,
    http: TestBed.inject(HttpTestingController),
  };
}
