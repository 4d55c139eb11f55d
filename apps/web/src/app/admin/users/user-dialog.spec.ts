import { provideHttpClient } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { provideZonelessChangeDetection } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import type { AdminUser, Settings } from '@tally/api-contract';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { wholeNumberValidator } from '../../shared/forms/validators';
import { createLimitForm, limitValue } from './limit-validators';
import { UserDialog, UserDialogData } from './user-dialog';
import { FormControl } from '@angular/forms';

const SETTINGS: Settings = {
  default_max_ai_messages_per_day: 100,
  default_max_ai_tokens_per_day: 500_000,
  quota_timezone: 'UTC',
  allow_registration: true,
  max_concurrent_streams_per_user: 3,
  default_model: 'local',
};

const USER: AdminUser = {
  id: '5f0c6d1e-8a43-4b4e-9a57-1f9b1c2d3e4f',
  email: 'ann@example.com',
  name: 'Ann',
  role: 'user',
  is_active: true,
  max_ai_messages_per_day: null,
  max_ai_tokens_per_day: 2000,
  created_at: '2026-11-01T00:00:00.000Z',
  auth_source: 'password',
  effective_max_ai_messages_per_day: 100,
  effective_max_ai_tokens_per_day: 2000,
};

describe('wholeNumberValidator', () => {
  const check = (value: string) =>
    wholeNumberValidator(0, 2147483647)(new FormControl(value));

  it('accepts whole numbers from 0 to 2147483647', () => {
    expect(check('0')).toBeNull();
    expect(check(' 42 ')).toBeNull();
    expect(check('2147483647')).toBeNull();
  });

  it('rejects empty, fractional, non-numeric, negative and too large values', () => {
    expect(check('')).toEqual({ required: true });
    expect(check('1.5')).toEqual({ wholeNumber: true });
    expect(check('1e3')).toEqual({ wholeNumber: true });
    expect(check('ten')).toEqual({ wholeNumber: true });
    expect(check('-1')).toEqual({ min: { min: 0, actual: -1 } });
    expect(check('2147483648')).toEqual({
      max: { max: 2147483647, actual: 2147483648 },
    });
  });

  it('maps "use the default" to null and a custom value to its number', () => {
    const form = createLimitForm(null);
    expect(form.valid).toBe(true);
    expect(limitValue(form)).toBeNull();
    form.controls.mode.setValue('custom');
    expect(form.valid).toBe(false); // empty now
    form.controls.value.setValue('7');
    expect(limitValue(form)).toBe(7);
  });
});

describe('UserDialog limit editing', () => {
  let fixture: ComponentFixture<UserDialog>;
  let http: HttpTestingController;
  let close: ReturnType<typeof vi.fn>;
  let el: HTMLElement;

  function open(data: UserDialogData): void {
    close = vi.fn();
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
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(UserDialog);
    el = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
  }

  async function render(): Promise<void> {
    fixture.detectChanges();
    await fixture.whenStable();
    fixture.detectChanges();
  }

  const editor = (name: 'messages' | 'tokens') =>
    el.querySelector<HTMLElement>(`[data-testid="limit-${name}"]`)!;

  async function chooseCustom(name: 'messages' | 'tokens'): Promise<void> {
    editor(name)
      .querySelector<HTMLInputElement>('[data-testid="limit-custom"] input')!
      .click();
    await render();
  }

  async function chooseDefault(name: 'messages' | 'tokens'): Promise<void> {
    editor(name)
      .querySelector<HTMLInputElement>('[data-testid="limit-default"] input')!
      .click();
    await render();
  }

  async function enter(
    name: 'messages' | 'tokens',
    value: string,
  ): Promise<void> {
    const input = editor(name).querySelector<HTMLInputElement>(
      '[data-testid="limit-value"]',
    )!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
    input.dispatchEvent(new Event('blur'));
    await render();
  }

  async function save(): Promise<void> {
    el.querySelector<HTMLButtonElement>('[data-testid="user-save"]')!.click();
    await render();
  }

  const errorOf = (name: 'messages' | 'tokens') =>
    editor(name)
      .querySelector('[data-testid="limit-error"]')
      ?.textContent?.trim();

  afterEach(() => http.verify());

  it('offers the effective default from the settings', async () => {
    open({ user: USER, settings: SETTINGS });
    await render();
    expect(editor('messages').textContent).toContain('Use the default (100)');
    expect(editor('tokens').textContent).toContain('Use the default (500,000)');
    // the user has an own token limit: custom is chosen, with its value
    expect(
      editor('tokens').querySelector<HTMLInputElement>(
        '[data-testid="limit-value"]',
      )!.value,
    ).toBe('2000');
  });

  it.each([
    ['', 'This field is required.'],
    ['1.5', 'Enter a whole number.'],
    ['abc', 'Enter a whole number.'],
    ['-1', 'Must be 0 or more.'],
    ['2147483648', 'Must be at most 2,147,483,647.'],
  ])('shows "%s" as wrong before sending anything', async (value, message) => {
    open({ user: USER, settings: SETTINGS });
    await render();
    await chooseCustom('messages');
    await enter('messages', value);
    await save();
    expect(errorOf('messages')).toBe(message);
    http.expectNone(() => true);
    expect(close).not.toHaveBeenCalled();
  });

  it('writes the numbers of an error in the chosen language', async () => {
    open({ user: USER, settings: SETTINGS });
    useLanguage('ru');
    await render();
    await chooseCustom('messages');
    await enter('messages', '2147483648');
    expect(errorOf('messages')).toBe('Не больше 2\u00a0147\u00a0483\u00a0647.');
    expect(editor('tokens').textContent).toContain(
      'По умолчанию (500\u00a0000)',
    );
    http.expectNone(() => true);
  });

  it('sends only what changed: a valid custom limit as a number, the default as null', async () => {
    open({ user: USER, settings: SETTINGS });
    await render();
    await chooseCustom('messages');
    await enter('messages', '3');
    await chooseDefault('tokens');
    await save();
    const request = http.expectOne(`/api/admin/users/${USER.id}`);
    expect(request.request.method).toBe('PATCH');
    expect(request.request.body).toEqual({
      max_ai_messages_per_day: 3,
      max_ai_tokens_per_day: null,
    });
    const saved = {
      ...USER,
      max_ai_messages_per_day: 3,
      max_ai_tokens_per_day: null,
    };
    request.flush(saved);
    expect(close).toHaveBeenCalledWith(saved);
  });

  it('accepts 0 (blocks the user) and the largest value', async () => {
    open({ user: USER, settings: SETTINGS });
    await render();
    await chooseCustom('messages');
    await enter('messages', '0');
    await enter('tokens', '2147483647');
    await save();
    const request = http.expectOne(`/api/admin/users/${USER.id}`);
    expect(request.request.body).toEqual({
      max_ai_messages_per_day: 0,
      max_ai_tokens_per_day: 2147483647,
    });
    request.flush(USER);
  });

  it('shows a 409 for the last admin in words', async () => {
    open({ user: { ...USER, role: 'admin' }, settings: SETTINGS });
    await render();
    el.querySelector<HTMLElement>(
      '[data-testid="user-active"] button',
    )!.click();
    await render();
    await save();
    const request = http.expectOne(`/api/admin/users/${USER.id}`);
    expect(request.request.body).toEqual({ is_active: false });
    request.flush(
      {
        statusCode: 409,
        error: 'Conflict',
        code: 'LAST_ADMIN',
        message: 'last admin',
      },
      { status: 409, statusText: 'Conflict' },
    );
    await render();
    expect(
      el
        .querySelector('[data-testid="user-dialog-error"]')
        ?.textContent?.trim(),
    ).toBe('The last active administrator cannot be demoted or deactivated.');
    expect(close).not.toHaveBeenCalled();
  });

  it('creates a user with the default limits as null', async () => {
    open({ settings: SETTINGS });
    await render();
    const fill = (testId: string, value: string) => {
      const input = el.querySelector<HTMLInputElement>(
        `[data-testid="${testId}"]`,
      )!;
      input.value = value;
      input.dispatchEvent(new Event('input'));
    };
    fill('user-email', 'bob@example.com');
    fill('user-password', 'short');
    await save();
    http.expectNone(() => true);
    expect(el.textContent).toContain('Between 8 and 128 characters.');

    fill('user-password', 'long-enough-1');
    fill('user-name', 'Bob');
    await save();
    const request = http.expectOne('/api/admin/users');
    expect(request.request.method).toBe('POST');
    expect(request.request.body).toEqual({
      email: 'bob@example.com',
      password: 'long-enough-1',
      name: 'Bob',
      role: 'user',
      max_ai_messages_per_day: null,
      max_ai_tokens_per_day: null,
    });
    request.flush({ ...USER, email: 'bob@example.com' });
    expect(close).toHaveBeenCalled();
  });
});
