import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { AUTH, setUpFormPage } from '../../testing/form-page';
import { LoginPage } from './login.page';

describe('LoginPage', () => {
  it('checks the fields before sending, and signs in', async () => {
    const { render, fill, submit, el, http } = setUpFormPage(LoginPage);
    await render();
    await submit();
    http.expectNone('/api/auth/login');
    expect(el.textContent).toContain('This field is required.');

    fill('email', 'ann@example.com');
    fill('password', 'secret-123');
    await submit();
    const request = http.expectOne('/api/auth/login');
    expect(request.request.body).toEqual({
      email: 'ann@example.com',
      password: 'secret-123',
    });
    request.flush(AUTH);
    await render();
    expect(TestBed.inject(Router).url).toBe('/chats');
  });

  it('offers to create an account only while registration is open', async () => {
    const link = () => el.querySelector('[data-testid="login-register"]');
    let { render, el, http } = setUpFormPage(LoginPage);
    await render();
    http.expectOne('/api/auth/registration').flush({ open: false });
    await render();
    expect(link()).toBeNull();
    expect(el.textContent).not.toContain('Create one');

    TestBed.resetTestingModule();
    ({ render, el, http } = setUpFormPage(LoginPage));
    await render();
    http.expectOne('/api/auth/registration').flush({ open: true });
    await render();
    expect(link()?.textContent).toContain('Create one');
    expect(link()?.querySelector('a')?.getAttribute('href')).toBe('/register');
  });

  it('says "wrong email or password" on a 401, and other failures in words', async () => {
    const { render, fill, submit, alert, http } = setUpFormPage(LoginPage);
    await render();
    fill('email', 'ann@example.com');
    fill('password', 'wrong-one');
    await submit();
    http
      .expectOne('/api/auth/login')
      .flush(
        { statusCode: 401, message: 'Unauthorized' },
        { status: 401, statusText: 'Unauthorized' },
      );
    await render();
    expect(alert()).toBe('Wrong email or password.');

    await submit();
    http
      .expectOne('/api/auth/login')
      .flush(
        { statusCode: 429, message: 'Too Many Requests' },
        { status: 429, statusText: 'Too Many Requests' },
      );
    await render();
    expect(alert()).toBe('Too many attempts. Wait a moment and try again.');
  });

  it('offers single sign-on with the configured label when it is on', async () => {
    const { render, el, http } = setUpFormPage(LoginPage);
    await render();
    http
      .expectOne('/api/auth/sso')
      .flush({ enabled: true, label: 'Corp SSO', password_login: true });
    await render();
    const button = el.querySelector('[data-testid="login-sso"]');
    expect(button?.textContent?.trim()).toBe('Corp SSO');
    expect(button?.getAttribute('href')).toBe('/api/auth/sso/login');
    // Passwords too.
    expect(el.querySelector('input[name="password"]')).not.toBeNull();
  });

  it('says the default label in the page language, and no button when off', async () => {
    let { render, el, http } = setUpFormPage(LoginPage);
    await render();
    http.expectOne('/api/auth/sso').flush({
      enabled: true,
      label: 'Single sign-on',
      password_login: true,
    });
    await render();
    expect(
      el.querySelector('[data-testid="login-sso"]')?.textContent?.trim(),
    ).toBe('Single sign-on');

    TestBed.resetTestingModule();
    ({ render, el, http } = setUpFormPage(LoginPage));
    await render();
    http.expectOne('/api/auth/sso').flush({
      enabled: false,
      label: 'Single sign-on',
      password_login: true,
    });
    await render();
    expect(el.querySelector('[data-testid="login-sso"]')).toBeNull();
  });

  it('hides the password form when password sign-in is off, behind an administrator link', async () => {
    const { render, el, fill, submit, http } = setUpFormPage(LoginPage);
    await render();
    http
      .expectOne('/api/auth/sso')
      .flush({ enabled: true, label: 'Corp SSO', password_login: false });
    await render();
    expect(el.querySelector('input[name="password"]')).toBeNull();
    const admin = el.querySelector<HTMLButtonElement>(
      '[data-testid="login-admin"]',
    );
    expect(admin?.textContent?.trim()).toBe(
      'Administrator sign-in with a password',
    );
    admin?.click();
    await render();
    fill('email', 'admin@example.com');
    fill('password', 'admin-password-1');
    await submit();
    http.expectOne('/api/auth/login').flush(AUTH);
    await render();
    expect(TestBed.inject(Router).url).toBe('/chats');
  });

  it('says why a single sign-on failed, in words, for every code', async () => {
    const { render, el } = setUpFormPage(LoginPage);
    const router = TestBed.inject(Router);
    const said = async (code: string) => {
      await router.navigateByUrl(`/login?sso_error=${code}`);
      await render();
      return el
        .querySelector('[data-testid="login-sso-error"]')
        ?.textContent?.trim();
    };
    expect(await said('SSO_DOMAIN_NOT_ALLOWED')).toBe(
      'Accounts of your email domain may not sign in here.',
    );
    expect(await said('SSO_STATE_MISMATCH')).toContain('another browser');
    expect(await said('SSO_EMAIL_NOT_VERIFIED')).toContain('does not confirm');
    expect(await said('SSO_USER_DEACTIVATED')).toContain('deactivated');
    expect(await said('SOMETHING_ELSE')).toBe(
      'Single sign-on failed. Try again, or ask an administrator.',
    );
  });
});
