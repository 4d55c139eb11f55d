import type { ApiKey, CreatedApiKey } from '@tally/api-contract';
import { setUpDialog } from '../../../testing/dialog';
import { one } from '../../../testing/dom';
import { useLanguage } from '../../../testing/i18n';
import { ApiKeyRotateDialog } from './api-key-rotate-dialog';

const KEY: ApiKey = {
  id: 'k1',
  name: 'billing',
  prefix: 'tly_AbCdEfGh',
  models: null,
  limits: [],
  created_at: '2026-12-01T10:00:00.000Z',
  last_used_at: null,
  expires_at: null,
};

const ROTATED: CreatedApiKey = {
  ...KEY,
  prefix: 'tly_NeWsEcRe',
  key: 'tly_NeWsEcRe-the-rest-of-the-new-secret',
};

describe('ApiKeyRotateDialog', { timeout: 20_000 }, () => {
  async function open() {
    const d = setUpDialog(ApiKeyRotateDialog, KEY);
    await d.render();
    return d;
  }

  const rotate = async (d: Awaited<ReturnType<typeof open>>) => {
    one<HTMLButtonElement>(
      d.el,
      '[data-testid="api-key-rotate-confirm"]',
    ).click();
    await d.render();
  };

  it('rotates with no grace by default, shows the new secret once, and closes with the key', async () => {
    const d = await open();
    expect(d.el.querySelector('h2')?.textContent).toContain('billing');
    await rotate(d);
    const req = d.http.expectOne('/api/auth/api-keys/k1/rotate');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ grace_seconds: 0 });
    req.flush(ROTATED);
    await d.render();
    expect(
      one(d.el, '[data-testid="api-key-secret"]').textContent?.trim(),
    ).toBe(ROTATED.key);
    expect(
      one(d.el, '[data-testid="api-key-secret-note"]').textContent?.trim(),
    ).toBe('The old secret has stopped working.');
    one<HTMLButtonElement>(d.el, '[data-testid="api-key-done"]').click();
    expect(d.close).toHaveBeenCalledWith(ROTATED);
  });

  it('sends the grace picked and says until when the old secret works, in Russian too', async () => {
    const d = await open();
    useLanguage('ru');
    await d.render();
    one<HTMLElement>(
      d.el,
      '[data-testid="api-key-rotate-grace"] .mat-mdc-select-trigger',
    ).click();
    await d.render();
    const options = [...document.querySelectorAll<HTMLElement>('mat-option')];
    expect(options.map((o) => o.textContent?.trim())).toEqual([
      'Нет: перестанет сразу',
      '1 час',
      '1 день',
    ]);
    options[2].click();
    await d.render();
    await rotate(d);
    const req = d.http.expectOne('/api/auth/api-keys/k1/rotate');
    expect(req.request.body).toEqual({ grace_seconds: 86400 });
    req.flush(ROTATED);
    await d.render();
    expect(
      one(d.el, '[data-testid="api-key-secret-note"]').textContent,
    ).toContain('Старый секрет работает до');
  });

  it('says why a rotation failed and stays open', async () => {
    const d = await open();
    await rotate(d);
    d.http.expectOne('/api/auth/api-keys/k1/rotate').flush(
      {
        statusCode: 404,
        error: 'Not Found',
        code: 'NOT_FOUND',
        message: 'API key not found',
      },
      { status: 404, statusText: 'Not Found' },
    );
    await d.render();
    expect(d.el.querySelector('[role="alert"]')).not.toBeNull();
    expect(d.el.querySelector('[data-testid="api-key-secret"]')).toBeNull();
    expect(d.close).not.toHaveBeenCalled();
  });
});
