import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type {
  Alert,
  AlertList,
  QuotaLimit,
  Settings,
} from '@tally/api-contract';
import { one } from '../../../testing/dom';
import { setUpFormPage } from '../../../testing/form-page';
import { useLanguage } from '../../../testing/i18n';
import { deliveryState } from './alert-list';
import { SettingsPage } from './settings.page';

const SETTINGS: Settings = {
  default_max_ai_messages_per_day: 100,
  default_max_ai_tokens_per_day: 500_000,
  quota_timezone: 'UTC',
  allow_registration: true,
  max_concurrent_streams_per_user: 3,
  default_model: 'local',
  alert_webhook_url: 'https://hooks.example.com/tally',
  alert_thresholds: [80, 100],
  has_alert_webhook_secret: true,
};

const CROSSING: Alert = {
  id: 'a1',
  type: 'limit.threshold',
  threshold: 80,
  limit: {
    id: 'l1',
    subject: 'everyone',
    subject_id: null,
    subject_name: null,
    metric: 'messages',
    window: 'day',
    model: null,
    shared: false,
    amount: 100,
    used: 80,
    limit: 100,
    remaining: 20,
    resets_at: '2026-12-02T00:00:00.000Z',
  },
  user: { id: 'u1', email: 'ann@example.com', name: 'Ann' },
  created_at: '2026-12-01T10:00:00.000Z',
  delivered_at: null,
  attempts: 2,
  last_error: 'The receiver answered HTTP 503',
  next_attempt_at: '2026-12-01T10:00:10.000Z',
};

const LIST = (items: Alert[]): AlertList => ({
  items,
  total: items.length,
  page: 1,
  page_size: 20,
});

describe('SettingsPage: alerts', () => {
  async function open(settings: Settings = SETTINGS, alerts = [CROSSING]) {
    const page = setUpFormPage(SettingsPage);
    await page.render();
    page.http.expectOne('/api/admin/settings').flush(settings);
    await page.render();
    page.http
      .expectOne((r) => r.url === '/api/admin/alerts')
      .flush(LIST(alerts));
    await page.render();
    const button = (id: string) =>
      one<HTMLButtonElement>(page.el, `[data-testid="${id}"]`);
    const text = (id: string) =>
      page.el.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ??
      null;
    const value = (name: string) =>
      one<HTMLInputElement>(page.el, `input[name="${name}"]`).value;
    const save = async () => {
      button('alert-settings-save').click();
      await page.render();
    };
    return { ...page, button, text, value, save };
  }

  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('shows the webhook, the thresholds and whether a secret is set, never the secret', async () => {
    const { value, text, el } = await open();
    expect(value('webhookUrl')).toBe('https://hooks.example.com/tally');
    expect(value('thresholds')).toBe('80, 100');
    expect(text('alert-secret-state')).toBe('A webhook secret is set.');
    expect(text('alert-secret-edit')).toBe('Change the secret');
    expect(el.querySelector('input[name="secret"]')).toBeNull();
  });

  it('saves only the alert fields that changed, the thresholds sorted', async () => {
    const { fill, save, http, render, el } = await open();
    fill('thresholds', '100; 50 90, 50');
    await save();
    const req = http.expectOne('/api/admin/settings');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ alert_thresholds: [50, 90, 100] });
    req.flush({ ...SETTINGS, alert_thresholds: [50, 90, 100] });
    await render();
    expect(
      el
        .querySelector('[data-testid="alert-settings-form"] [role="status"]')
        ?.textContent?.trim(),
    ).toBe('Settings saved.');
    expect(one<HTMLInputElement>(el, 'input[name="thresholds"]').value).toBe(
      '50, 90, 100',
    );
  });

  it('refuses bad thresholds and a URL that is not http(s) before sending anything', async () => {
    const { fill, save, http, el } = await open();
    for (const bad of ['', '0', '101', '80.5', 'ten', '1, 2, 3, 4, 5, 6']) {
      fill('thresholds', bad);
      fill('webhookUrl', 'ftp://example.com');
      await save();
      http.expectNone('/api/admin/settings');
      const errors = [...el.querySelectorAll('mat-error')].map((e) =>
        e.textContent?.trim(),
      );
      expect(errors).toEqual([
        'Enter an address that starts with http:// or https://.',
        'Enter 1 to 5 whole numbers from 1 to 100, separated by commas.',
      ]);
    }
  });

  it('an empty URL turns alerts off', async () => {
    const { fill, save, http } = await open();
    fill('webhookUrl', '  ');
    await save();
    expect(http.expectOne('/api/admin/settings').request.body).toEqual({
      alert_webhook_url: null,
    });
  });

  it('sets, changes and removes the write-only secret', async () => {
    const { button, fill, save, http, render, text } = await open({
      ...SETTINGS,
      has_alert_webhook_secret: false,
    });
    expect(text('alert-secret-state')).toBe(
      'No webhook secret: alerts are sent unsigned.',
    );
    expect(
      document.querySelector('[data-testid="alert-secret-remove"]'),
    ).toBeNull();
    button('alert-secret-edit').click();
    await render();
    await save();
    http.expectNone('/api/admin/settings'); // an empty secret is not sent
    fill('secret', 'whsec-1');
    await save();
    const set = http.expectOne('/api/admin/settings');
    expect(set.request.body).toEqual({ alert_webhook_secret: 'whsec-1' });
    set.flush({ ...SETTINGS, has_alert_webhook_secret: true });
    await render();
    expect(text('alert-secret-state')).toBe('A webhook secret is set.');

    button('alert-secret-remove').click();
    await render();
    const removed = http.expectOne('/api/admin/settings');
    expect(removed.request.body).toEqual({ alert_webhook_secret: null });
    removed.flush({ ...SETTINGS, has_alert_webhook_secret: false });
    await render();
    expect(text('alert-secret-state')).toBe(
      'No webhook secret: alerts are sent unsigned.',
    );
  });

  it('sends a test alert, shows what happened and lists it', async () => {
    const { button, http, render, text } = await open();
    button('alert-test').click();
    await render();
    expect(text('alert-test-result')).toBe('Sending a test alert…');
    const req = http.expectOne('/api/admin/alerts/test');
    expect(req.request.method).toBe('POST');
    req.flush({
      id: 't1',
      delivered: true,
      status: 204,
      error: null,
      duration_ms: 12,
    });
    await render();
    expect(text('alert-test-result')).toBe(
      'Test alert delivered: the webhook answered HTTP 204 in 12 ms.',
    );
    http.expectOne((r) => r.url === '/api/admin/alerts').flush(LIST([]));
    await render();

    button('alert-test').click();
    await render();
    http.expectOne('/api/admin/alerts/test').flush({
      id: 't2',
      delivered: false,
      status: null,
      error: 'fetch failed: ECONNREFUSED',
      duration_ms: 3,
    });
    await render();
    expect(text('alert-test-result')).toBe(
      'Test alert not delivered: fetch failed: ECONNREFUSED',
    );
    http.expectOne((r) => r.url === '/api/admin/alerts').flush(LIST([]));
  });

  it('offers no test alert without a saved webhook URL, nor while changes are unsaved', async () => {
    const none = await open({ ...SETTINGS, alert_webhook_url: null });
    expect(none.button('alert-test').disabled).toBe(true);
  });

  it('waits for unsaved changes to be saved before a test', async () => {
    const { button, fill, render } = await open();
    fill('webhookUrl', 'https://other.example.com/hook');
    await render();
    expect(button('alert-test').disabled).toBe(true);
  });

  it('lists the alerts with where their delivery stands, in Russian too', async () => {
    const { el, render } = await open();
    const row = () =>
      [...el.querySelectorAll('[data-testid="alerts-table"] tr.mat-mdc-row')]
        .map((r) => r.textContent?.replace(/\s+/g, ' ').trim())
        .join('\n');
    expect(row()).toContain('80% everyone · messages · day 80 / 100');
    expect(row()).toContain('ann@example.com');
    expect(row()).toContain('Retrying Attempts: 2');
    expect(row()).toContain('The receiver answered HTTP 503');
    useLanguage('ru');
    await render();
    expect(row()).toContain('80% все · сообщения · день');
    expect(row()).toContain('Повторяем Попыток: 2');
  });

  it("writes a cost limit's use as money and names the API key whose limit it is", async () => {
    const keyLimit: Alert = {
      ...CROSSING,
      id: 'a2',
      threshold: 100,
      limit: {
        ...(CROSSING.limit as QuotaLimit),
        subject: 'api_key',
        subject_id: 'k1',
        subject_name: 'billing',
        metric: 'cost',
        window: 'month',
        amount: 5_000_000,
        used: 4_995_000,
        limit: 5_000_000,
        remaining: 5_000,
      },
    };
    const { el, render } = await open(SETTINGS, [keyLimit]);
    const what = () =>
      el
        .querySelector('[data-testid="alert-what"]')
        ?.textContent?.replace(/\s+/g, ' ')
        .trim();
    expect(what()).toBe('100% API key billing · cost · month $4.99 / $5');
    useLanguage('ru');
    await render();
    expect(what()).toContain('4,99 $ / 5 $');
  });
});

describe('deliveryState', () => {
  it('tells delivered, waiting, retrying, given up and never sent apart', () => {
    const base = { ...CROSSING, last_error: null };
    expect(
      deliveryState({ ...base, delivered_at: 'x', next_attempt_at: null }),
    ).toBe('delivered');
    expect(deliveryState({ ...base, attempts: 0 })).toBe('pending');
    expect(deliveryState(base)).toBe('retrying');
    expect(deliveryState({ ...base, next_attempt_at: null })).toBe('failed');
    expect(deliveryState({ ...base, attempts: 0, next_attempt_at: null })).toBe(
      'noUrl',
    );
  });
});
