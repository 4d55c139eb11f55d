import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { AUTH, setUpFormPage } from '../../testing/form-page';
import { SsoPage } from './sso.page';

describe('SsoPage', () => {
  afterEach(() => history.replaceState(null, '', '/'));

  it('takes the code out of the address, signs in with it and goes where the user was headed', async () => {
    history.replaceState(null, '', '/sso#code=one-time-1&return_to=%2Fusage');
    const { render, http } = setUpFormPage(SsoPage);
    await render();
    expect(location.hash).toBe('');
    expect(location.pathname).toBe('/sso');
    const request = http.expectOne('/api/auth/sso/exchange');
    expect(request.request.method).toBe('POST');
    expect(request.request.body).toEqual({ code: 'one-time-1' });
    request.flush(AUTH);
    await render();
    expect(localStorage.getItem('tally.token') ?? '').not.toBe('');
    expect(TestBed.inject(Router).url).toBe('/usage');
  });

  it('goes to / when return_to is not a path of this app', async () => {
    history.replaceState(
      null,
      '',
      '/sso#code=one-time-2&return_to=%2F%2Fevil.example',
    );
    const { render, http } = setUpFormPage(SsoPage);
    await render();
    http.expectOne('/api/auth/sso/exchange').flush(AUTH);
    await render();
    expect(TestBed.inject(Router).url).toBe('/');
  });

  it('says a used or expired code in words, with the way back to sign-in', async () => {
    history.replaceState(null, '', '/sso#code=used');
    const { render, el, http } = setUpFormPage(SsoPage);
    await render();
    http
      .expectOne('/api/auth/sso/exchange')
      .flush(
        { statusCode: 400, code: 'SSO_CODE_INVALID', message: 'x' },
        { status: 400, statusText: 'Bad Request' },
      );
    await render();
    expect(
      el.querySelector('[data-testid="sso-error"]')?.textContent?.trim(),
    ).toBe('This sign-in link has expired or was already used. Sign in again.');
    expect(el.querySelector('a')?.getAttribute('href')).toBe('/login');
  });

  it('asks nothing of the API without a code', async () => {
    history.replaceState(null, '', '/sso');
    const { render, el, http } = setUpFormPage(SsoPage);
    await render();
    http.expectNone('/api/auth/sso/exchange');
    expect(el.querySelector('[data-testid="sso-error"]')).not.toBeNull();
  });
});
