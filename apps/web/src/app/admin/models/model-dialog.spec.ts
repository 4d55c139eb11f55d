import {
  adminModel,
  apiError,
  connection,
} from '../../../testing/admin-fixtures';
import { setUpDialog } from '../../../testing/dialog';
import { one } from '../../../testing/dom';
import { useLanguage } from '../../../testing/i18n';
import { ConnectionDialog } from '../connections/connection-dialog';
import { ModelDialog } from './model-dialog';

const LAB = connection('Lab', 'admin', {
  has_api_key: true,
  api_key_hint: 'abcd',
});

describe('ModelDialog', { timeout: 20_000 }, () => {
  it('checks id, prices and caps before sending anything', async () => {
    const d = setUpDialog(ModelDialog, { connections: [LAB] });
    await d.render();
    d.fill('model-id', 'Bad Id');
    d.fill('model-name', 'Mini');
    d.fill('model-upstream', 'gpt-4o-mini');
    d.fill('model-input-price', '0.1234567');
    d.fill('model-output-price', 'cheap');
    d.fill('model-max-output', '0');
    d.fill('model-context', '100');
    await d.submit();
    d.http.expectNone(() => true);
    expect(d.errors()).toEqual([
      'Lower-case letters, digits and . _ : - only, starting with a letter or digit, at most 64 characters.',
      'At most 6 decimal places.',
      'Enter a number, such as 0.15.',
      'Must be at least 1.',
      'Must be at least 256.',
    ]);
  });

  it('says a negative price must be 0 or more, not that it is no number', async () => {
    const d = setUpDialog(ModelDialog, { connections: [LAB] });
    await d.render();
    d.fill('model-id', 'mini');
    d.fill('model-name', 'Mini');
    d.fill('model-upstream', 'gpt-4o-mini');
    d.fill('model-input-price', '-0.15');
    d.fill('model-output-price', '-2');
    await d.submit();
    d.http.expectNone(() => true);
    expect(d.errors()).toEqual(['Must be 0 or more.', 'Must be 0 or more.']);
  });

  it('creates a model with its prices as numbers (a comma works as the point)', async () => {
    const d = setUpDialog(ModelDialog, { connections: [LAB] });
    await d.render();
    d.fill('model-id', 'gpt-4o-mini');
    d.fill('model-name', 'GPT-4o mini');
    d.fill('model-upstream', 'gpt-4o-mini');
    d.fill('model-input-price', '0,15');
    d.fill('model-output-price', '0.6');
    await d.submit();
    const request = d.http.expectOne('/api/admin/models');
    expect(request.request.method).toBe('POST');
    expect(request.request.body).toEqual({
      id: 'gpt-4o-mini',
      name: 'GPT-4o mini',
      connection_id: LAB.id,
      upstream_model: 'gpt-4o-mini',
      enabled: true,
      input_price: 0.15,
      output_price: 0.6,
      max_output_tokens: 1024,
      context_tokens: 8192,
    });
    const { body, options } = apiError(409, 'MODEL_EXISTS');
    request.flush(body, options);
    await d.render();
    expect(
      d.el
        .querySelector('[data-testid="model-dialog-error"]')
        ?.textContent?.trim(),
    ).toBe('A model with this id already exists.');
    expect(d.close).not.toHaveBeenCalled();
  });

  it('sends only what changed', async () => {
    const model = adminModel('mini', LAB.id, {
      input_price: 0.15,
      output_price: 0.6,
    });
    const d = setUpDialog(ModelDialog, { model, connections: [LAB] });
    await d.render();
    d.fill('model-output-price', '0.8');
    d.fill('model-max-output', '2048');
    await d.submit();
    const request = d.http.expectOne('/api/admin/models/mini');
    expect(request.request.method).toBe('PATCH');
    expect(request.request.body).toEqual({
      output_price: 0.8,
      max_output_tokens: 2048,
    });
    request.flush({ ...model, output_price: 0.8, max_output_tokens: 2048 });
    expect(d.close).toHaveBeenCalled();
  });

  it("offers the provider's model names", async () => {
    const d = setUpDialog(ModelDialog, { connections: [LAB] });
    await d.render();
    one<HTMLButtonElement>(d.el, '[data-testid="model-ask-provider"]').click();
    await d.render();
    d.http
      .expectOne(`/api/admin/connections/${LAB.id}/test`)
      .flush({ ok: true, models: ['gpt-4o', 'gpt-4o-mini', 'o3'] });
    await d.render();
    expect(d.el.textContent).toContain(
      'The provider offers 3 models: start typing to pick one.',
    );
  });
});

describe('ConnectionDialog', { timeout: 20_000 }, () => {
  it('shows only the hint of a stored key and checks the address', async () => {
    const d = setUpDialog(ConnectionDialog, { connection: LAB });
    await d.render();
    expect(d.el.textContent).toContain(
      'A key ending in abcd is stored. Leave empty to keep it, or type a new one.',
    );
    const key = one<HTMLInputElement>(
      d.el,
      '[data-testid="connection-api-key"]',
    );
    expect(key.type).toBe('password');
    expect(key.value).toBe('');
    d.fill('connection-base-url', 'ftp://example.com');
    await d.submit();
    d.http.expectNone(() => true);
    expect(d.errors()).toEqual([
      'Enter an address that starts with http:// or https://.',
    ]);
  });

  it('says why a key cannot be stored, in Russian', async () => {
    const d = setUpDialog(ConnectionDialog, {});
    useLanguage('ru');
    await d.render();
    d.fill('connection-name', 'OpenAI');
    d.fill('connection-base-url', 'https://api.openai.com/v1');
    d.fill('connection-api-key', 'sk-test-1234');
    await d.submit();
    const request = d.http.expectOne('/api/admin/connections');
    expect(request.request.body).toEqual({
      name: 'OpenAI',
      base_url: 'https://api.openai.com/v1',
      api_key: 'sk-test-1234',
      token_parameter: 'max_tokens',
      timeout_ms: 60000,
    });
    const { body, options } = apiError(400, 'SECRETS_KEY_REQUIRED');
    request.flush(body, options);
    await d.render();
    expect(
      d.el
        .querySelector('[data-testid="connection-dialog-error"]')
        ?.textContent?.trim(),
    ).toBe(
      'Ключи API нельзя сохранить: на сервере не задан SECRETS_KEY. Попросите администратора сервера задать его.',
    );
  });
});
