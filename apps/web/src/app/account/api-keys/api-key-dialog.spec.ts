import type { ApiKey, CreatedApiKey } from '@tally/api-contract';
import { setUpDialog } from '../../../testing/dialog';
import { one } from '../../../testing/dom';
import { ApiKeyDialog } from './api-key-dialog';
import { toIso } from './expiry';

/** Opens a mat-select by its test id and picks the option with this text. */
async function pick(
  el: HTMLElement,
  testId: string,
  text: string,
  render: () => Promise<void>,
) {
  one<HTMLElement>(
    el,
    `[data-testid="${testId}"] .mat-mdc-select-trigger`,
  ).click();
  await render();
  const option = [...document.querySelectorAll<HTMLElement>('mat-option')].find(
    (o) => o.textContent?.trim() === text,
  );
  if (!option) throw new Error(`no option ${text}`);
  option.click();
  await render();
}

const CREATED: CreatedApiKey = {
  id: 'k1',
  name: 'billing',
  prefix: 'tly_AbCdEfGh',
  models: null,
  limits: [
    {
      id: 'l1',
      set_by: 'owner',
      metric: 'messages',
      window: 'day',
      model: null,
      amount: 50,
      used: 0,
      resets_at: '2026-12-02T00:00:00.000Z',
    },
  ],
  created_at: '2026-12-01T10:00:00.000Z',
  last_used_at: null,
  expires_at: null,
  key: 'tly_AbCdEfGh-the-rest-of-the-secret',
};

describe('ApiKeyDialog', { timeout: 20_000 }, () => {
  async function open(key: ApiKey | null = null) {
    const d = setUpDialog(ApiKeyDialog, key);
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

  it('sets an expiry in local time, sent as an ISO time, and refuses a time that has passed', async () => {
    const d = await open();
    d.fill('api-key-name', 'temporary');
    await pick(d.el, 'api-key-expires', 'At a date and time', d.render);
    d.fill('api-key-expires-at', '2001-02-03T04:05:06');
    await d.submit();
    d.http.expectNone('/api/auth/api-keys');
    expect(d.errors()).toContain('Pick a time in the future');

    d.fill('api-key-expires-at', '2999-02-03T04:05:06');
    await d.submit();
    const req = d.http.expectOne('/api/auth/api-keys');
    expect(req.request.body).toEqual({
      name: 'temporary',
      models: null,
      expires_at: new Date(2999, 1, 3, 4, 5, 6).toISOString(),
    });
  });

  describe('opened with a key', () => {
    const KEY: ApiKey = {
      id: 'k1',
      name: 'billing',
      prefix: 'tly_AbCdEfGh',
      models: ['local'],
      limits: [
        {
          id: 'l1',
          set_by: 'owner',
          metric: 'cost',
          window: 'month',
          model: null,
          amount: 2_500_000,
          used: 0,
          resets_at: '2027-01-01T00:00:00.000Z',
        },
        {
          id: 'l2',
          set_by: 'admin',
          metric: 'messages',
          window: 'day',
          model: null,
          amount: 20,
          used: 3,
          resets_at: '2026-12-02T00:00:00.000Z',
        },
        {
          id: 'l3',
          set_by: 'admin',
          metric: 'tokens',
          window: 'week',
          model: 'local',
          amount: 9000,
          used: 0,
          resets_at: '2026-12-07T00:00:00.000Z',
        },
      ],
      created_at: '2026-12-01T10:00:00.000Z',
      last_used_at: null,
      expires_at: null,
    };

    it("edits the owner's limits only, shows the administrator's read-only, and saves without them", async () => {
      const d = await open(KEY);
      expect(d.el.querySelector('h2')?.textContent?.trim()).toBe(
        'Edit API key',
      );
      expect(
        one<HTMLInputElement>(d.el, '[data-testid="api-key-name"]').value,
      ).toBe('billing');
      const amounts = () =>
        [
          ...d.el.querySelectorAll<HTMLInputElement>(
            '[data-testid="api-key-limit-amount"]',
          ),
        ].map((i) => i.value);
      expect(amounts()).toEqual(['2.5']);
      expect(
        [...d.el.querySelectorAll('[data-testid="api-key-admin-limit"]')].map(
          (li) => li.textContent?.trim(),
        ),
      ).toEqual(['20 messages a day', '9,000 tokens a week on local']);
      // Nothing of the administrator's can be edited or removed here.
      expect(
        d.el.querySelectorAll('[data-testid="api-key-limit"]'),
      ).toHaveLength(1);
      expect(d.el.textContent).toContain(
        'only an administrator can change or remove them',
      );

      d.fill('api-key-name', 'billing v2');
      one<HTMLButtonElement>(
        d.el,
        '[data-testid="api-key-limit-remove"]',
      ).click();
      await d.render();
      await d.submit();
      const req = d.http.expectOne('/api/auth/api-keys/k1');
      expect(req.request.method).toBe('PATCH');
      expect(req.request.body).toEqual({
        name: 'billing v2',
        models: ['local'],
        limits: [],
      });
      const saved: ApiKey = {
        ...KEY,
        name: 'billing v2',
        limits: KEY.limits.slice(1),
      };
      req.flush(saved);
      await d.render();
      expect(d.close).toHaveBeenCalledWith(saved);
    });

    it('sends the kept and the added owner limits, in wire amounts', async () => {
      const d = await open(KEY);
      one<HTMLButtonElement>(d.el, '[data-testid="api-key-add-limit"]').click();
      await d.render();
      const inputs = d.el.querySelectorAll<HTMLInputElement>(
        '[data-testid="api-key-limit-amount"]',
      );
      inputs[1].value = '40';
      inputs[1].dispatchEvent(new Event('input'));
      await d.submit();
      const req = d.http.expectOne('/api/auth/api-keys/k1');
      expect(req.request.body.limits).toEqual([
        { metric: 'cost', window: 'month', amount: 2_500_000 },
        { metric: 'messages', window: 'day', amount: 40 },
      ]);
      expect(
        d.el.querySelector('button[type="submit"]')?.textContent,
      ).toContain('Save');
    });

    it('keeps an expiry that has passed when other fields change', async () => {
      const expired: ApiKey = {
        ...KEY,
        expires_at: '2000-01-01T00:00:00.000Z',
      };
      const d = await open(expired);
      const shown = one<HTMLInputElement>(
        d.el,
        '[data-testid="api-key-expires-at"]',
      ).value;
      expect(toIso(shown)).toBe(expired.expires_at);
      d.fill('api-key-name', 'renamed');
      await d.submit();
      const req = d.http.expectOne('/api/auth/api-keys/k1');
      expect(req.request.body).not.toHaveProperty('expires_at');
      req.flush({ ...expired, name: 'renamed' });
      await d.render();
      expect(d.close).toHaveBeenCalled();
    });

    it('clears an expiry with "Never"', async () => {
      const expired: ApiKey = {
        ...KEY,
        expires_at: '2000-01-01T00:00:00.000Z',
      };
      const again = await open(expired);
      await pick(again.el, 'api-key-expires', 'Never', again.render);
      expect(
        again.el.querySelector('[data-testid="api-key-expires-at"]'),
      ).toBeNull();
      await again.submit();
      const cleared = again.http.expectOne('/api/auth/api-keys/k1');
      expect(cleared.request.body.expires_at).toBeNull();
    });
  });
});
