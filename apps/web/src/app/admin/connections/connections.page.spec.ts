import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import {
  adminModel,
  apiError,
  connection,
} from '../../../testing/admin-fixtures';
import { one } from '../../../testing/dom';
import { setUpFormPage } from '../../../testing/form-page';
import { useLanguage } from '../../../testing/i18n';
import {
  createConnectionBody,
  updateConnectionBody,
  type ConnectionFormValue,
} from './connection-dialog';
import { ConnectionsPage } from './connections.page';

const LOCAL = connection('Local', 'built-in');
const ENV = connection('Env', 'environment', { has_api_key: true });
const LAB = connection('Lab', 'admin', {
  has_api_key: true,
  api_key_hint: 'abcd',
});
/** A connection no model uses. */
const SPARE = connection('Spare', 'admin');

/** Dialogs close at once, without waiting for an animation. */
const NO_ANIMATIONS = [
  { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
];

describe('ConnectionsPage', { timeout: 20_000 }, () => {
  async function open() {
    const page = setUpFormPage(ConnectionsPage, NO_ANIMATIONS);
    await page.render();
    page.http.expectOne('/api/admin/connections').flush({
      items: [LOCAL, ENV, LAB, SPARE],
    });
    page.http.expectOne('/api/admin/models').flush({
      items: [
        adminModel('local', LOCAL.id),
        adminModel('mini', LAB.id),
        adminModel('big', LAB.id),
      ],
    });
    await page.render();
    const row = (name: string) =>
      one<HTMLElement>(page.el, `tr[data-connection="${name}"]`);
    const text = (root: Element, selector: string) =>
      root.querySelector(selector)?.textContent?.trim() ?? null;
    return { ...page, row, text };
  }

  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    document.querySelector('.cdk-overlay-container')?.remove();
  });

  it('lists every connection; the built-in and environment ones read-only; the key only by its hint', async () => {
    const { row, text } = await open();
    expect(text(row('Local'), '[data-testid="read-only"]')).toBe(
      'Built into Tally',
    );
    expect(text(row('Env'), '[data-testid="read-only"]')).toBe(
      "Set by the server's environment",
    );
    for (const name of ['Local', 'Env']) {
      expect(
        row(name).querySelector('[data-testid="edit-connection"]'),
      ).toBeNull();
      expect(
        row(name).querySelector('[data-testid="delete-connection"]'),
      ).toBeNull();
    }
    expect(
      row('Lab').querySelector('[data-testid="edit-connection"]'),
    ).not.toBeNull();
    expect(text(row('Lab'), '[data-testid="cell-api-key"]')).toBe(
      'ends in abcd',
    );
    expect(text(row('Env'), '[data-testid="cell-api-key"]')).toBe('set');
    expect(text(row('Local'), '[data-testid="cell-api-key"]')).toBe('none');
    expect(text(row('Lab'), '[data-testid="cell-used-by"]')).toBe('mini, big');
  });

  it("tests a connection: the provider's models, or its error", async () => {
    const { row, http, render, el, text } = await open();
    one<HTMLButtonElement>(
      row('Lab'),
      '[data-testid="test-connection"]',
    ).click();
    await render();
    expect(text(el, '[data-testid="test-running"]')).toBe(
      'Asking the provider for its models…',
    );
    const test = http.expectOne(`/api/admin/connections/${LAB.id}/test`);
    expect(test.request.method).toBe('POST');
    test.flush({ ok: true, models: ['gpt-4o-mini', 'gpt-4o'] });
    await render();
    expect(text(el, '[data-testid="test-ok"]')).toBe(
      'Connected. The provider offers 2 models:',
    );
    expect(
      [...el.querySelectorAll('[data-testid="provider-models"] li')].map((li) =>
        li.textContent?.trim(),
      ),
    ).toEqual(['gpt-4o-mini', 'gpt-4o']);

    one<HTMLButtonElement>(
      row('Env'),
      '[data-testid="test-connection"]',
    ).click();
    await render();
    http.expectOne(`/api/admin/connections/${ENV.id}/test`).flush({
      ok: false,
      error:
        'AI provider at 10.0.0.7:8080 (model "test") answered HTTP 401 to GET /models',
    });
    await render();
    // In words, without the provider's address.
    expect(text(el, '[data-testid="test-failed"]')).toBe(
      'The provider did not answer as expected: the API key was refused (HTTP 401). Check the key.',
    );
  });

  it('says in Russian how many models the provider offers', async () => {
    const { row, http, render, el, text } = await open();
    useLanguage('ru');
    one<HTMLButtonElement>(
      row('Lab'),
      '[data-testid="test-connection"]',
    ).click();
    await render();
    http
      .expectOne(`/api/admin/connections/${LAB.id}/test`)
      .flush({ ok: true, models: ['a', 'b', 'c', 'd', 'e'] });
    await render();
    expect(text(el, '[data-testid="test-ok"]')).toBe(
      'Подключено. Провайдер предлагает 5 моделей:',
    );
  });

  it('says up front that a connection in use cannot be deleted, naming the models, and asks nothing', async () => {
    const { row, render, http } = await open();
    const del = one<HTMLButtonElement>(
      row('Lab'),
      '[data-testid="delete-connection"]',
    );
    // Disabled, yet focusable, so its reason can be read.
    expect(del.getAttribute('aria-disabled')).toBe('true');
    expect(del.disabled).toBe(false);
    del.dispatchEvent(new Event('mouseenter'));
    del.focus();
    await render();
    const described = del.getAttribute('aria-describedby') ?? '';
    expect(described).not.toBe('');
    expect(document.getElementById(described)?.textContent).toBe(
      'This connection is still used by: mini, big. Move these models to another connection or delete them first.',
    );
    del.click();
    await render();
    expect(document.querySelector('[data-testid="confirm-ok"]')).toBeNull();
    http.expectNone(`/api/admin/connections/${LAB.id}`);

    const spare = one<HTMLButtonElement>(
      row('Spare'),
      '[data-testid="delete-connection"]',
    );
    expect(spare.getAttribute('aria-disabled')).not.toBe('true');
  });

  it('explains a delete refused all the same (a model was added meanwhile)', async () => {
    const { row, http, render, el, text } = await open();
    one<HTMLButtonElement>(
      row('Spare'),
      '[data-testid="delete-connection"]',
    ).click();
    await render();
    one<HTMLButtonElement>(document, '[data-testid="confirm-ok"]').click();
    await render();
    const request = http.expectOne(`/api/admin/connections/${SPARE.id}`);
    expect(request.request.method).toBe('DELETE');
    const { body, options } = apiError(409, 'CONNECTION_IN_USE');
    request.flush(body, options);
    await render();
    expect(text(el, '[data-testid="connections-notice"]')).toBe(
      'Models still use this connection. Move them to another connection or delete them first.',
    );
    // and the list is read again
    http
      .expectOne('/api/admin/connections')
      .flush({ items: [LOCAL, ENV, LAB, SPARE] });
    http.expectOne('/api/admin/models').flush({ items: [] });
  });

  it('sends nothing when the delete is cancelled', async () => {
    const { row, http, render } = await open();
    one<HTMLButtonElement>(
      row('Spare'),
      '[data-testid="delete-connection"]',
    ).click();
    await render();
    one<HTMLButtonElement>(document, '[data-testid="confirm-cancel"]').click();
    await render();
    http.expectNone(`/api/admin/connections/${SPARE.id}`);
  });
});

describe('connection bodies', () => {
  const value = (
    extra: Partial<ConnectionFormValue> = {},
  ): ConnectionFormValue => ({
    name: 'Lab',
    baseUrl: LAB.base_url,
    apiKey: '',
    removeKey: false,
    tokenParameter: 'max_tokens',
    timeoutMs: '60000',
    ...extra,
  });

  it('keeps the stored key unless a new one is typed or removal is asked', () => {
    expect(updateConnectionBody(LAB, value())).toEqual({});
    expect(updateConnectionBody(LAB, value({ apiKey: ' sk-new ' }))).toEqual({
      api_key: 'sk-new',
    });
    expect(updateConnectionBody(LAB, value({ removeKey: true }))).toEqual({
      api_key: null,
    });
    expect(
      updateConnectionBody(
        LAB,
        value({ tokenParameter: 'max_completion_tokens', timeoutMs: '5000' }),
      ),
    ).toEqual({ token_parameter: 'max_completion_tokens', timeout_ms: 5000 });
  });

  it('creates without a key when none is typed', () => {
    expect(createConnectionBody(value({ name: ' Ollama ' }))).toEqual({
      name: 'Ollama',
      base_url: LAB.base_url,
      token_parameter: 'max_tokens',
      timeout_ms: 60000,
    });
  });
});
