import { TestBed } from '@angular/core/testing';
import { AuthStore } from '../core/auth/auth.store';
import { AUTH, setUpFormPage } from '../../testing/form-page';
import { one } from '../../testing/dom';
import { AccountPage } from './account.page';

describe('AccountPage', () => {
  async function signedIn() {
    const page = setUpFormPage(AccountPage);
    TestBed.inject(AuthStore)
      .login({ email: AUTH.user.email, password: 'old-password-1' })
      .subscribe();
    page.http.expectOne('/api/auth/login').flush(AUTH);
    await page.render();
    const changePassword = async () => {
      one<HTMLButtonElement>(
        page.el,
        '[data-testid="account-change-password"]',
      ).click();
      await page.render();
    };
    const errorOf = (name: string) =>
      page.el
        .querySelector(`input[name="${name}"]`)
        ?.closest('mat-form-field')
        ?.querySelector('mat-error')
        ?.textContent?.trim() ?? null;
    return { ...page, changePassword, errorOf };
  }

  it('asks for the new password twice and refuses the current one as the new one, before sending', async () => {
    const { fill, render, changePassword, errorOf, http } = await signedIn();
    fill('current', 'old-password-1');
    fill('next', 'old-password-1');
    fill('confirm', 'old-password-2');
    await changePassword();
    http.expectNone('/api/auth/password');
    expect(errorOf('next')).toBe(
      'The new password must differ from the current one.',
    );
    expect(errorOf('confirm')).toBe('The passwords do not match.');

    fill('next', 'new-password-1');
    fill('confirm', 'new-password-1');
    await render();
    expect(errorOf('next')).toBeNull();
    expect(errorOf('confirm')).toBeNull();
  });

  it('after a change, shows an empty form with no "required" errors', async () => {
    const { fill, render, changePassword, errorOf, el, http } =
      await signedIn();
    fill('current', 'old-password-1');
    fill('next', 'new-password-1');
    fill('confirm', 'new-password-1');
    await changePassword();
    const request = http.expectOne('/api/auth/password');
    expect(request.request.body).toEqual({
      current_password: 'old-password-1',
      new_password: 'new-password-1',
    });
    request.flush(null, { status: 204, statusText: 'No Content' });
    http.expectOne('/api/auth/login').flush(AUTH);
    await render();

    expect(
      one(el, '[data-testid="account-password-changed"]').textContent,
    ).toContain('Password changed');
    for (const name of ['current', 'next', 'confirm']) {
      expect(one<HTMLInputElement>(el, `input[name="${name}"]`).value).toBe('');
      expect(errorOf(name)).toBeNull();
    }
    expect(el.querySelectorAll('mat-error')).toHaveLength(0);
  });

  it('says the name is too long on the name field itself', async () => {
    const { fill, render, submit, errorOf, http } = await signedIn();
    fill('name', 'x'.repeat(101));
    await submit();
    await render();
    http.expectNone('/api/auth/me');
    expect(errorOf('name')).toBe('At most 100 characters.');
  });
});
