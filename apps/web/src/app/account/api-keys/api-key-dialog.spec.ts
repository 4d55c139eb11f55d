import type { CreatedApiKey } from '@tally/api-contract';
import { setUpDialog } from '../../../testing/dialog';
import { one } from '../../../testing/dom';
import { ApiKeyDialog } from './api-key-dialog';

const CREATED: CreatedApiKey = {
  id: 'k1',
  name: 'billing',
  prefix: 'tly_AbCdEfGh',
  models: null,
  limits: [
    {
      metric: 'messages',
      window: 'day',
      amount: 50,
      used: 0,
      resets_at: '2026-12-02T00:00:00.000Z',
    },
  ],
  created_at: '2026-12-01T10:00:00.000Z',
  last_used_at: null,
  key: 'tly_AbCdEfGh-the-rest-of-the-secret',
};

describe('ApiKeyDialog', { timeout: 20_000 }, () => {
  async function open() {
    const d = setUpDialog(ApiKeyDialog, null);
    await d.render();
    d.http.expectOne('/api/models').flush({
      items: [{ id: 'local', name: 'Local' }],
      default_model: 'local',
    });
    await d.render();
    return d;
  }

  it('needs a name and a valid amount before sending anything', async () => {
    const d = await open();
    one<HTMLButtonElement>(d.el, '[data-testid="api-key-add-limit"]').click();
    await d.render();
    d.fill('api-key-limit-amount', 'lots');
    await d.submit();
    d.http.expectNone('/api/auth/api-keys');
    expect(d.errors()).toContain(
      'Enter a whole number (US dollars for spending)',
    );
  });

  it('warns that an amount of 0 blocks the key, and still sends it', async () => {
    const d = await open();
    d.fill('api-key-name', 'paused');
    one<HTMLButtonElement>(d.el, '[data-testid="api-key-add-limit"]').click();
    await d.render();
    d.fill('api-key-limit-amount', '5');
    await d.render();
    expect(d.el.querySelector('[data-testid="api-key-limit-zero"]')).toBeNull();
    d.fill('api-key-limit-amount', '0');
    await d.render();
    expect(
      one(d.el, '[data-testid="api-key-limit-zero"]').textContent?.trim(),
    ).toBe('0 blocks this key: every request is refused.');
    await d.submit();
    const req = d.http.expectOne('/api/auth/api-keys');
    expect(req.request.body.limits).toEqual([
      { metric: 'messages', window: 'day', amount: 0 },
    ]);
  });

  it('says what the picked models mean once some are picked', async () => {
    const d = await open();
    const hint = () =>
      one(d.el, '[data-testid="api-key-models-hint"]').textContent?.trim();
    expect(hint()).toBe('None picked: every model');
    one(d.el, '[data-testid="api-key-models"] .mat-mdc-select-trigger').click();
    await d.render();
    one(document, 'mat-option').click();
    await d.render();
    expect(hint()).toBe('Only the picked models (1)');
  });

  it('creates a key with its limits, then shows it once with a copy button', async () => {
    const d = await open();
    d.fill('api-key-name', 'billing');
    one<HTMLButtonElement>(d.el, '[data-testid="api-key-add-limit"]').click();
    await d.render();
    d.fill('api-key-limit-amount', '50');
    await d.submit();
    const req = d.http.expectOne('/api/auth/api-keys');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      name: 'billing',
      models: null,
      limits: [{ metric: 'messages', window: 'day', amount: 50 }],
    });
    req.flush(CREATED);
    await d.render();
    expect(
      one(d.el, '[data-testid="api-key-secret"]').textContent?.trim(),
    ).toBe(CREATED.key);
    expect(d.el.querySelector('[data-testid="api-key-copy"]')).not.toBeNull();
    one<HTMLButtonElement>(d.el, '[data-testid="api-key-done"]').click();
    expect(d.close).toHaveBeenCalledWith(CREATED);
  });

  it('sends no limits when none were added, and says why a creation failed', async () => {
    const d = await open();
    d.fill('api-key-name', 'one more');
    await d.submit();
    const req = d.http.expectOne('/api/auth/api-keys');
    expect(req.request.body).toEqual({ name: 'one more', models: null });
    req.flush(
      {
        statusCode: 409,
        error: 'Conflict',
        code: 'TOO_MANY_KEYS',
        message: 'A user can have at most 50 API keys; delete one first',
      },
      { status: 409, statusText: 'Conflict' },
    );
    await d.render();
    expect(d.el.querySelector('[role="alert"]')?.textContent?.trim()).toBe(
      'You already have 50 API keys; delete one first.',
    );
    expect(d.close).not.toHaveBeenCalled();
  });
});
