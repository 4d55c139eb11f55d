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
});
