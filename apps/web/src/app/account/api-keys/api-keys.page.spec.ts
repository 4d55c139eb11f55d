import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ApiKey } from '@tally/api-contract';
import { setUpFormPage } from '../../../testing/form-page';
import { useLanguage } from '../../../testing/i18n';
import { ApiKeysPage } from './api-keys.page';

const KEYS: ApiKey[] = [
  {
    id: 'k1',
    name: 'billing',
    prefix: 'tly_AbCdEfGh',
    models: ['local', 'gpt-4o'],
    limits: [
      {
        id: 'l1',
        set_by: 'owner',
        metric: 'messages',
        window: 'day',
        model: null,
        amount: 50,
        used: 3,
        resets_at: '2026-12-02T00:00:00.000Z',
      },
      {
        id: 'l2',
        set_by: 'owner',
        metric: 'tokens',
        window: 'month',
        model: null,
        amount: 100_000,
        used: 1_200,
        resets_at: '2027-01-01T00:00:00.000Z',
      },
    ],
    created_at: '2026-12-01T10:00:00.000Z',
    last_used_at: null,
    expires_at: null,
  },
  {
    id: 'k2',
    name: 'reports',
    prefix: 'tly_ZyXwVuTs',
    models: null,
    limits: [],
    created_at: '2026-12-01T11:00:00.000Z',
    last_used_at: '2026-12-01T12:00:00.000Z',
    expires_at: null,
  },
];

describe('ApiKeysPage', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  async function open(keys = KEYS) {
    const page = setUpFormPage(ApiKeysPage);
    await page.render();
    page.http.expectOne('/api/auth/api-keys').flush({ items: keys });
    await page.render();
    const items = () =>
      [...page.el.querySelectorAll('[data-testid="api-key-item"]')].map(
        (item) => ({
          name: item.querySelector('h2')?.textContent?.trim(),
          models: item
            .querySelector('[data-testid="api-key-models-text"]')
            ?.textContent?.trim(),
          limits: [
            ...item.querySelectorAll('[data-testid="api-key-limits-text"] div'),
          ].map((d) => d.textContent?.trim()),
        }),
      );
    return { ...page, items };
  }

  it('lists each key with its models and its use against each limit', async () => {
    const { items } = await open();
    expect(items()).toEqual([
      {
        name: 'billing',
        models: 'local, gpt-4o',
        limits: ['3 of 50 messages a day', '1,200 of 100,000 tokens a month'],
      },
      { name: 'reports', models: 'All models', limits: [] },
    ]);
  });

  it('says so when there are no keys, and follows the language', async () => {
    const page = await open([]);
    expect(
      page.el.querySelector('[data-testid="api-keys-none"]')?.textContent,
    ).toContain('You have no API keys.');
    useLanguage('ru');
    await page.render();
    expect(page.el.querySelector('h1')?.textContent?.trim()).toBe('API-ключи');
  });

  it('marks the limits an administrator put on a key, in both languages', async () => {
    const page = await open([
      {
        ...KEYS[1],
        limits: [
          {
            id: 'l3',
            set_by: 'owner',
            metric: 'messages',
            window: 'day',
            model: null,
            amount: 10,
            used: 1,
            resets_at: '2026-12-02T00:00:00.000Z',
          },
          {
            id: 'l4',
            set_by: 'admin',
            metric: 'messages',
            window: 'day',
            model: null,
            amount: 5,
            used: 1,
            resets_at: '2026-12-02T00:00:00.000Z',
          },
          {
            id: 'l5',
            set_by: 'admin',
            metric: 'tokens',
            window: 'week',
            model: 'local',
            amount: 9000,
            used: 0,
            resets_at: '2026-12-07T00:00:00.000Z',
          },
        ],
      },
    ]);
    expect(page.items()[0].limits).toEqual([
      '1 of 10 messages a day',
      '1 of 5 messages a day Set by an administrator',
      '0 of 9,000 tokens a week on local Set by an administrator',
    ]);
    expect(
      page.el.querySelectorAll('[data-testid="api-key-limit-by-admin"]'),
    ).toHaveLength(2);
    useLanguage('ru');
    await page.render();
    expect(
      page.el.querySelector('[data-testid="api-key-limit-by-admin"]')
        ?.textContent,
    ).toContain('Задан администратором');
  });

  it('shows when each key expires, and marks an expired one in both languages', async () => {
    const page = await open([
      { ...KEYS[0], expires_at: '2000-01-01T00:00:00.000Z' },
      { ...KEYS[1], expires_at: '2999-01-01T00:00:00.000Z' },
      { ...KEYS[1], id: 'k3', name: 'forever' },
    ]);
    const expiry = () =>
      [...page.el.querySelectorAll('[data-testid="api-key-item"]')].map(
        (item) => ({
          text: item
            .querySelector('[data-testid="api-key-expires-text"]')
            ?.textContent?.trim(),
          expired:
            item
              .querySelector('[data-testid="api-key-expired"]')
              ?.textContent?.trim() ?? null,
          red: item
            .querySelector('[data-testid="api-key-expires-text"]')
            ?.classList.contains('expired'),
        }),
      );
    const [past, future, never] = expiry();
    expect(past.expired).toBe('Expired');
    expect(past.red).toBe(true);
    expect(past.text).toContain('2000');
    expect(future.expired).toBeNull();
    expect(future.red).toBe(false);
    expect(future.text).toContain('2999');
    expect(never).toEqual({ text: 'Never', expired: null, red: false });
    expect(
      page.el.querySelectorAll('[data-testid="api-key-rotate"]'),
    ).toHaveLength(3);
    useLanguage('ru');
    await page.render();
    expect(expiry()[0].expired).toBe('Истёк');
    expect(expiry()[2].text).toBe('Бессрочно');
  });
});
