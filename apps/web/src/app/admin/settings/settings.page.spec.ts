import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Settings } from '@tally/api-contract';
import { setUpFormPage } from '../../../testing/form-page';
import { useLanguage } from '../../../testing/i18n';
import { SettingsPage } from './settings.page';
import { isTimeZone } from './time-zones';
import { one } from '../../../testing/dom';

const SETTINGS: Settings = {
  default_max_ai_messages_per_day: 100,
  default_max_ai_tokens_per_day: 500_000,
  quota_timezone: 'UTC',
  allow_registration: true,
  max_concurrent_streams_per_user: 3,
  default_model: 'local',
  alert_webhook_url: null,
  alert_thresholds: [80, 100],
  has_alert_webhook_secret: false,
};

describe('SettingsPage', () => {
  async function open(settings: Settings = SETTINGS) {
    const page = setUpFormPage(SettingsPage);
    await page.render();
    page.http.expectOne('/api/admin/settings').flush(settings);
    await page.render();
    // The list of alerts below the settings.
    page.http
      .expectOne((r) => r.url === '/api/admin/alerts')
      .flush({ items: [], total: 0, page: 1, page_size: 20 });
    await page.render();
    const value = (name: string) =>
      one<HTMLInputElement>(page.el, `input[name="${name}"]`).value;
    const errors = () =>
      [...page.el.querySelectorAll('mat-error')].map((e) =>
        e.textContent?.trim(),
      );
    return { ...page, value, errors };
  }

  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('shows the current settings', async () => {
    const { value } = await open();
    expect(value('defaultMessages')).toBe('100');
    expect(value('defaultTokens')).toBe('500000');
    expect(value('timezone')).toBe('UTC');
    expect(value('maxStreams')).toBe('3');
  });

  it("names each form's save button after what it saves", async () => {
    const { el } = await open();
    const saves = [...el.querySelectorAll('button[type="submit"]')].map((b) =>
      b.textContent?.trim(),
    );
    expect(saves).toEqual(['Save general settings', 'Save alert settings']);
    expect(new Set(saves).size).toBe(saves.length);
  });

  it('checks every value before sending anything', async () => {
    const { fill, submit, errors, http } = await open();
    fill('defaultMessages', '-1');
    fill('defaultTokens', '1.5');
    fill('timezone', 'Mars/Olympus');
    fill('maxStreams', '101');
    await submit();
    http.expectNone('/api/admin/settings');
    expect(errors()).toEqual([
      'Must be 0 or more.',
      'Enter a whole number.',
      'Choose a time zone from the list.',
      'Must be at most 100.',
    ]);
    fill('maxStreams', '0');
    await submit();
    expect(errors()).toContain('Must be at least 1.');
    http.expectNone('/api/admin/settings');
  });

  it('sends only what changed, as numbers', async () => {
    const { fill, submit, http, render, el } = await open();
    fill('defaultTokens', '1000000');
    fill('timezone', 'Europe/Berlin');
    fill('maxStreams', '100');
    await submit();
    const request = http.expectOne('/api/admin/settings');
    expect(request.request.method).toBe('PATCH');
    expect(request.request.body).toEqual({
      default_max_ai_tokens_per_day: 1_000_000,
      quota_timezone: 'Europe/Berlin',
      max_concurrent_streams_per_user: 100,
    });
    request.flush({
      ...SETTINGS,
      default_max_ai_tokens_per_day: 1_000_000,
      quota_timezone: 'Europe/Berlin',
      max_concurrent_streams_per_user: 100,
    });
    await render();
    expect(el.querySelector('[role="status"]')?.textContent?.trim()).toBe(
      'Settings saved.',
    );
  });

  it('can save other settings while the zone is one the list leaves out', async () => {
    const { submit, http, el, render } = await open({
      ...SETTINGS,
      quota_timezone: 'Etc/UTC',
      allow_registration: false,
    });
    one<HTMLButtonElement>(
      el,
      '[data-testid="settings-registration"] button',
    ).click();
    await render();
    await submit();
    expect(http.expectOne('/api/admin/settings').request.body).toEqual({
      allow_registration: true,
    });
  });

  it('writes the limits of an error in the chosen language', async () => {
    const { fill, submit, errors } = await open();
    useLanguage('ru');
    fill('defaultMessages', '2147483648');
    await submit();
    expect(errors()).toEqual(['Не больше 2\u00a0147\u00a0483\u00a0647.']);
  });
});

describe('isTimeZone', () => {
  const known = new Set(['UTC', 'Europe/Berlin']);

  it('takes the zones of the list and other names the browser knows', () => {
    expect(isTimeZone('Europe/Berlin', known)).toBe(true);
    expect(isTimeZone('Etc/UTC', known)).toBe(true);
    expect(isTimeZone('America/New_York', known)).toBe(true);
  });

  it('refuses what is no zone', () => {
    expect(isTimeZone('Mars/Olympus', known)).toBe(false);
    expect(isTimeZone('+05:00', known)).toBe(false);
    expect(isTimeZone('', known)).toBe(false);
  });
});
