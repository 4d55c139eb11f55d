import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import type { AdminUser, Grant } from '@tally/api-contract';
import {
  adminLimit,
  adminModel,
  apiError,
} from '../../../testing/admin-fixtures';
import { setUpFormPage } from '../../../testing/form-page';
import { useLanguage } from '../../../testing/i18n';
import { UserLimits } from './user-limits';

const ANN: AdminUser = {
  id: 'ann-id',
  email: 'ann@example.com',
  name: 'Ann',
  role: 'user',
  is_active: true,
  max_ai_messages_per_day: null,
  max_ai_tokens_per_day: null,
  created_at: '2026-11-01T00:00:00.000Z',
  auth_source: 'password',
  effective_max_ai_messages_per_day: 100,
  effective_max_ai_tokens_per_day: 500_000,
  groups: [
    { id: 'research-id', name: 'Research' },
    { id: 'staff-id', name: 'Staff' },
  ],
};

const GRANT: Grant = {
  id: 'grant-1',
  user_id: ANN.id,
  metric: 'messages',
  window: 'week',
  model: null,
  amount: 10,
  note: 'deadline',
  created_by: 'admin-id',
  created_at: '2026-11-28T10:00:00.000Z',
  expires_at: '2026-11-30T00:00:00.000Z',
};

describe('UserLimits', { timeout: 20_000 }, () => {
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    document.querySelector('.cdk-overlay-container')?.remove();
  });

  async function open() {
    const page = setUpFormPage(UserLimits, [
      { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
    ]);
    page.fixture.componentRef.setInput('user', ANN);
    await page.render();
    page.http.expectOne('/api/admin/models').flush({
      items: [adminModel('local', 'c'), adminModel('gpt-4o', 'c')],
    });
    page.http
      .expectOne(
        (r) =>
          r.url === '/api/admin/limits' &&
          r.params.get('subject') === 'user' &&
          r.params.get('subject_id') === ANN.id,
      )
      .flush({
        items: [
          adminLimit({
            subject: 'user',
            subject_id: ANN.id,
            subject_name: 'Ann (ann@example.com)',
            metric: 'cost',
            window: 'month',
            model: 'gpt-4o',
            amount: 5_000_000,
          }),
        ],
      });
    page.http.expectOne(`/api/admin/users/${ANN.id}/grants`).flush({
      items: [GRANT],
    });
    await page.render();
    const text = (testId: string) =>
      [...page.el.querySelectorAll(`[data-testid="${testId}"]`)].map((e) =>
        e.textContent?.trim(),
      );
    return { ...page, text };
  }

  it('shows the user’s groups, own limits in words and grants in force', async () => {
    const { text } = await open();
    expect(text('user-groups')).toEqual(['Groups: Research, Staff']);
    expect(text('cell-limit')).toEqual([
      'Ann (ann@example.com): $5 a month on gpt-4o',
    ]);
    expect(text('grant-text')).toEqual(['+10 messages this week']);
  });

  it('grants more, and says NO_SUCH_LIMIT in words', async () => {
    const page = await open();
    page.fill('amount', '2.5');
    const grants = page.el.querySelector('app-user-grants') as HTMLElement;
    const form = grants.querySelector('form') as HTMLFormElement;
    const grantsForm = page.fixture.debugElement.query(
      (d) => d.name === 'app-user-grants',
    ).componentInstance as {
      form: { patchValue(v: object): void };
    };
    grantsForm.form.patchValue({
      metric: 'cost',
      window: 'month',
      model: 'gpt-4o',
    });
    page.fill('note', 'conference');
    await page.render();
    form.dispatchEvent(new Event('submit'));
    await page.render();
    const req = page.http.expectOne(`/api/admin/users/${ANN.id}/grants`);
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      metric: 'cost',
      window: 'month',
      model: 'gpt-4o',
      amount: 2_500_000,
      note: 'conference',
    });
    const { body, options } = apiError(409, 'NO_SUCH_LIMIT');
    req.flush(body, options);
    await page.render();
    expect(page.text('grant-error')).toEqual([
      'No limit of this kind applies to this user, so there is nothing to raise. Add the limit first.',
    ]);

    // Granted: the list is asked again, and the emptied form says nothing is wrong.
    form.dispatchEvent(new Event('submit'));
    await page.render();
    page.http
      .expectOne((r) => r.method === 'POST')
      .flush({ ...GRANT, id: 'grant-2', metric: 'cost', amount: 2_500_000 });
    await page.render();
    page.http.expectOne(`/api/admin/users/${ANN.id}/grants`).flush({
      items: [GRANT],
    });
    await page.render();
    expect(page.text('grant-error')).toEqual([]);
    expect(page.el.querySelectorAll('app-user-grants mat-error').length).toBe(
      0,
    );
    expect(
      page.el.querySelector<HTMLInputElement>('[data-testid="grant-amount"]')
        ?.value,
    ).toBe('');
  });

  it('speaks Russian', async () => {
    const page = await open();
    useLanguage('ru');
    await page.render();
    expect(page.text('user-groups')).toEqual(['Группы: Research, Staff']);
    expect(page.text('grant-text')).toEqual(['+10 сообщений на этой неделе']);
  });
});
