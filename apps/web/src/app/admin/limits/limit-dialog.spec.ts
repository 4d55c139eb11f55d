import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { FormGroup } from '@angular/forms';
import type { WritableSignal } from '@angular/core';
import {
  adminLimit,
  adminModel,
  apiError,
} from '../../../testing/admin-fixtures';
import { setUpDialog } from '../../../testing/dialog';
import type { PickerOption } from '../../shared/forms/search-picker';
import { LimitDialog, LimitDialogData } from './limit-dialog';
import { fromAmount, toAmount } from './limit-amount';

interface Inside {
  form: FormGroup;
  picked: WritableSignal<PickerOption | null>;
}

describe('LimitDialog', { timeout: 20_000 }, () => {
  async function open(data: LimitDialogData) {
    const dialog = setUpDialog(LimitDialog, data);
    await dialog.render();
    if (!data.limit) {
      dialog.http.expectOne('/api/admin/models').flush({
        items: [adminModel('local', 'c'), adminModel('gpt-4o', 'c')],
      });
    }
    await dialog.render();
    const inside = dialog.fixture.componentInstance as unknown as Inside;
    const set = async (value: Record<string, unknown>) => {
      inside.form.patchValue(value);
      await dialog.render();
    };
    const preview = () =>
      dialog.el
        .querySelector('[data-testid="limit-preview"]')
        ?.textContent?.trim() ?? null;
    const alert = () =>
      dialog.el.querySelector('[role="alert"]')?.textContent?.trim() ?? null;
    return { ...dialog, inside, set, preview, alert };
  }

  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('adds a group’s shared monthly budget in dollars, reading it back as a sentence first', async () => {
    const d = await open({});
    await d.set({ subject: 'group' });
    d.inside.picked.set({ id: 'research-id', label: 'Research' });
    await d.set({ metric: 'cost', window: 'month', shared: true });
    d.fill('limit-amount', '200');
    await d.render();
    expect(d.preview()).toBe('Research together: $200 a month');
    await d.submit();
    const req = d.http.expectOne('/api/admin/limits');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      subject: 'group',
      subject_id: 'research-id',
      metric: 'cost',
      window: 'month',
      model: null,
      shared: true,
      amount: 200_000_000,
    });
    const saved = adminLimit({ subject: 'group', shared: true });
    req.flush(saved);
    expect(d.close).toHaveBeenCalledWith(saved);
  });

  it('adds an everyone limit on one model, and says LIMIT_EXISTS in words', async () => {
    const d = await open({});
    await d.set({ metric: 'tokens', model: 'gpt-4o' });
    d.fill('limit-amount', '500000');
    await d.render();
    expect(d.preview()).toBe('everyone: 500,000 tokens a day on gpt-4o');
    await d.submit();
    const req = d.http.expectOne('/api/admin/limits');
    expect(req.request.body).toMatchObject({
      subject: 'everyone',
      model: 'gpt-4o',
      shared: false,
      amount: 500_000,
    });
    expect(req.request.body.subject_id).toBeUndefined();
    const { body, options } = apiError(409, 'LIMIT_EXISTS');
    req.flush(body, options);
    await d.render();
    expect(d.alert()).toBe(
      'Such a limit already exists for this subject, window and model. Change its amount instead.',
    );
    expect(d.close).not.toHaveBeenCalled();
  });

  it('asks for a user before it sends a user limit, and never a shared one', async () => {
    const d = await open({});
    await d.set({ subject: 'user', shared: true });
    d.fill('limit-amount', '5');
    await d.submit();
    expect(d.alert()).toBe('Choose a user.');
    d.http.expectNone('/api/admin/limits');
    d.inside.picked.set({ id: 'ann-id', label: 'Ann (ann@x)' });
    await d.submit();
    const req = d.http.expectOne('/api/admin/limits');
    expect(req.request.body).toMatchObject({
      subject: 'user',
      subject_id: 'ann-id',
      shared: false,
    });
    req.flush(adminLimit());
  });

  it('for a fixed group, offers no choice of subject', async () => {
    const d = await open({
      subject: { subject: 'group', id: 'research-id', name: 'Research' },
    });
    expect(d.el.querySelector('[data-testid="limit-subject"]')).toBeNull();
    expect(
      d.el.querySelector('[data-testid="limit-for"]')?.textContent?.trim(),
    ).toBe('For the group Research');
    d.fill('limit-amount', '50');
    await d.render();
    expect(d.preview()).toBe('each member of Research: 50 messages a day');
  });

  it('changes only the amount of a limit, in dollars for cost', async () => {
    const limit = adminLimit({
      subject: 'user',
      subject_id: 'ann-id',
      subject_name: 'Ann',
      metric: 'cost',
      window: 'month',
      amount: 5_000_000,
    });
    const d = await open({ limit });
    const input = d.el.querySelector<HTMLInputElement>(
      '[data-testid="limit-amount"]',
    );
    expect(input?.value).toBe('5');
    d.fill('limit-amount', '7.5');
    await d.render();
    expect(d.preview()).toBe('Ann: $7.50 a month');
    await d.submit();
    const req = d.http.expectOne(`/api/admin/limits/${limit.id}`);
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ amount: 7_500_000 });
    req.flush({ ...limit, amount: 7_500_000 });
  });

  it('refuses a cost with more than six decimal places, or a fractional count', async () => {
    const d = await open({});
    await d.set({ metric: 'cost' });
    d.fill('limit-amount', '0.0000001');
    await d.submit();
    expect(d.errors()).toEqual(['At most 6 decimal places.']);
    await d.set({ metric: 'messages' });
    d.fill('limit-amount', '1.5');
    await d.submit();
    expect(d.errors()).toEqual(['Enter a whole number.']);
    d.http.expectNone('/api/admin/limits');
  });
});

describe('limit amounts', () => {
  it('turns dollars into micro-dollars by digits, and back', () => {
    expect(toAmount('cost', '0.1')).toBe(100_000);
    expect(toAmount('cost', '4,10')).toBe(4_100_000);
    expect(toAmount('cost', '200')).toBe(200_000_000);
    expect(toAmount('cost', '0.000001')).toBe(1);
    expect(toAmount('messages', '50')).toBe(50);
    expect(fromAmount('cost', 4_100_000)).toBe('4.1');
    expect(fromAmount('cost', 1)).toBe('0.000001');
    expect(fromAmount('tokens', 500_000)).toBe('500000');
  });
});
