import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { AUTH, setUpFormPage } from '../../testing/form-page';
import { RegisterPage } from './register.page';
import { one } from '../../testing/dom';

describe('RegisterPage', () => {
  it('checks the password length, sends the name only when given, and signs in', async () => {
    const { render, fill, submit, el, http } = setUpFormPage(RegisterPage);
    await render();
    fill('email', 'ann@example.com');
    fill('password', 'short');
    await submit();
    http.expectNone('/api/auth/register');
    expect(el.textContent).toContain('Between 8 and 128 characters.');

    fill('password', 'long-enough-1');
    await submit();
    const request = http.expectOne('/api/auth/register');
    expect(request.request.body).toEqual({
      email: 'ann@example.com',
      password: 'long-enough-1',
    });
    request.flush(AUTH);
    await render();
    expect(TestBed.inject(Router).url).toBe('/chats');
  });

  it('says on the name field that a name over 100 characters is too long, before sending', async () => {
    const { render, fill, submit, el, http } = setUpFormPage(RegisterPage);
    await render();
    fill('name', 'x'.repeat(101));
    fill('email', 'ann@example.com');
    fill('password', 'long-enough-1');
    await submit();
    http.expectNone('/api/auth/register');
    const field = one(el, 'input[name="name"]').closest('mat-form-field');
    expect(field?.querySelector('mat-error')?.textContent?.trim()).toBe(
      'At most 100 characters.',
    );
  });

  it('says on arrival that registration is closed', async () => {
    const { render, el, http } = setUpFormPage(RegisterPage);
    await render();
    http.expectOne('/api/auth/registration').flush({ open: false });
    await render();
    expect(
      one(el, '[data-testid="registration-closed"]').textContent?.trim(),
    ).toBe('Registration is closed. Ask an administrator for an account.');
    expect(one<HTMLButtonElement>(el, 'button[type="submit"]').disabled).toBe(
      true,
    );
  });

  it('says when registration is closed, and stops offering it', async () => {
    const { render, fill, submit, el, http } = setUpFormPage(RegisterPage);
    await render();
    fill('email', 'ann@example.com');
    fill('password', 'long-enough-1');
    await submit();
    http.expectOne('/api/auth/register').flush(
      {
        statusCode: 403,
        error: 'Forbidden',
        code: 'REGISTRATION_CLOSED',
        message: 'Registration is closed',
      },
      { status: 403, statusText: 'Forbidden' },
    );
    await render();
    expect(
      el
        .querySelector('[data-testid="registration-closed"]')
        ?.textContent?.trim(),
    ).toBe('Registration is closed. Ask an administrator for an account.');
    expect(one<HTMLButtonElement>(el, 'button[type="submit"]').disabled).toBe(
      true,
    );
  });

  it('says when the email is taken', async () => {
    const { render, fill, submit, alert, http } = setUpFormPage(RegisterPage);
    await render();
    fill('email', 'ann@example.com');
    fill('password', 'long-enough-1');
    await submit();
    http
      .expectOne('/api/auth/register')
      .flush(
        { statusCode: 409, error: 'Conflict', message: 'Email taken' },
        { status: 409, statusText: 'Conflict' },
      );
    await render();
    expect(alert()).toBe('An account with this email already exists.');
  });
});
