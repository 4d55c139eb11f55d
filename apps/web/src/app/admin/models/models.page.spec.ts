import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import type { Settings } from '@tally/api-contract';
import {
  adminModel,
  apiError,
  connection,
} from '../../../testing/admin-fixtures';
import { one } from '../../../testing/dom';
import { setUpFormPage } from '../../../testing/form-page';
import { ModelsPage } from './models.page';

const LOCAL = connection('Local', 'built-in');
const LAB = connection('Lab', 'admin');
const SETTINGS: Settings = {
  default_max_ai_messages_per_day: 100,
  default_max_ai_tokens_per_day: 500_000,
  quota_timezone: 'UTC',
  allow_registration: true,
  max_concurrent_streams_per_user: 3,
  default_model: 'local',
};
const MODELS = [
  adminModel('local', LOCAL.id),
  adminModel('mini', LAB.id, { input_price: 0.15, output_price: 0.6 }),
  adminModel('old', LAB.id, {
    enabled: false,
    input_price: 5,
    output_price: 15,
  }),
];

/** Dialogs close at once, without waiting for an animation. */
const NO_ANIMATIONS = [
  { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
];

describe('ModelsPage', { timeout: 20_000 }, () => {
  async function open() {
    const page = setUpFormPage(ModelsPage, NO_ANIMATIONS);
    await page.render();
    const flush = () => {
      page.http.expectOne('/api/admin/models').flush({ items: MODELS });
      page.http
        .expectOne('/api/admin/connections')
        .flush({ items: [LOCAL, LAB] });
      page.http.expectOne('/api/admin/settings').flush(SETTINGS);
    };
    flush();
    await page.render();
    const row = (id: string) =>
      one<HTMLElement>(page.el, `tr[data-model="${id}"]`);
    const text = (root: Element, selector: string) =>
      root.querySelector(selector)?.textContent?.trim() ?? null;
    return { ...page, row, text, flush };
  }

  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    document.querySelector('.cdk-overlay-container')?.remove();
  });

  it('lists every model, disabled ones too, with prices and the default marked', async () => {
    const { row, text } = await open();
    expect(text(row('local'), '[data-testid="default-mark"]')).toBe('default');
    expect(
      row('mini').querySelector('[data-testid="default-mark"]'),
    ).toBeNull();
    expect(text(row('local'), '[data-testid="cell-price"]')).toBe('Free');
    expect(text(row('mini'), '[data-testid="cell-price"]')).toBe(
      '$0.15 in · $0.60 out per 1M tokens',
    );
    expect(row('old').textContent).toContain('Lab');
    const toggle = (id: string) =>
      one<HTMLInputElement>(
        row(id),
        '[data-testid="model-enabled-toggle"] input',
      );
    expect(toggle('old').checked).toBe(false);
    expect(toggle('mini').checked).toBe(true);
    // "make default" only for enabled models that are not it already
    expect(
      row('local').querySelector('[data-testid="make-default"]'),
    ).toBeNull();
    expect(row('old').querySelector('[data-testid="make-default"]')).toBeNull();
    expect(
      row('mini').querySelector('[data-testid="make-default"]'),
    ).not.toBeNull();
  });

  it('says up front that the default model cannot be deleted, and asks nothing', async () => {
    const { row, http, render } = await open();
    const del = one<HTMLButtonElement>(
      row('local'),
      '[data-testid="delete-model"]',
    );
    expect(del.getAttribute('aria-disabled')).toBe('true');
    del.dispatchEvent(new Event('mouseenter'));
    del.focus();
    await render();
    expect(
      document.getElementById(del.getAttribute('aria-describedby') ?? '')
        ?.textContent,
    ).toBe('This is the default model. Make another model the default first.');
    del.click();
    await render();
    expect(document.querySelector('[data-testid="confirm-ok"]')).toBeNull();
    http.expectNone('/api/admin/models/local');
    expect(
      one(row('mini'), '[data-testid="delete-model"]').getAttribute(
        'aria-disabled',
      ),
    ).not.toBe('true');
  });

  it('explains a delete refused because the model became the default meanwhile', async () => {
    const { row, http, render, el, text, flush } = await open();
    one<HTMLButtonElement>(row('mini'), '[data-testid="delete-model"]').click();
    await render();
    one<HTMLButtonElement>(document, '[data-testid="confirm-ok"]').click();
    await render();
    const request = http.expectOne('/api/admin/models/mini');
    expect(request.request.method).toBe('DELETE');
    const { body, options } = apiError(409, 'MODEL_IS_DEFAULT');
    request.flush(body, options);
    await render();
    expect(text(el, '[data-testid="models-notice"]')).toBe(
      'This is the default model. Make another model the default first.',
    );
    flush();
  });

  it('enables and disables a model, and makes one the default', async () => {
    const { row, http, render, text } = await open();
    one<HTMLInputElement>(
      row('mini'),
      '[data-testid="model-enabled-toggle"] input',
    ).click();
    await render();
    const patch = http.expectOne('/api/admin/models/mini');
    expect(patch.request.method).toBe('PATCH');
    expect(patch.request.body).toEqual({ enabled: false });
    patch.flush({ ...MODELS[1], enabled: false });
    await render();
    expect(
      row('mini').querySelector('[data-testid="make-default"]'),
    ).toBeNull();

    one<HTMLInputElement>(
      row('old'),
      '[data-testid="model-enabled-toggle"] input',
    ).click();
    await render();
    http
      .expectOne('/api/admin/models/old')
      .flush({ ...MODELS[2], enabled: true });
    await render();
    one<HTMLButtonElement>(row('old'), '[data-testid="make-default"]').click();
    await render();
    const settings = http.expectOne('/api/admin/settings');
    expect(settings.request.method).toBe('PATCH');
    expect(settings.request.body).toEqual({ default_model: 'old' });
    settings.flush({ ...SETTINGS, default_model: 'old' });
    await render();
    expect(text(row('old'), '[data-testid="default-mark"]')).toBe('default');
  });

  it('puts a refused switch back', async () => {
    const { row, http, render, flush } = await open();
    const toggle = () =>
      one<HTMLInputElement>(
        row('local'),
        '[data-testid="model-enabled-toggle"] input',
      );
    toggle().click();
    await render();
    const { body, options } = apiError(409, 'MODEL_IS_DEFAULT');
    http.expectOne('/api/admin/models/local').flush(body, options);
    await render();
    flush();
    await render();
    expect(toggle().checked).toBe(true);
  });
});
