import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Quota, QuotaLimit } from '@tally/api-contract';
import { setUpFormPage } from '../../testing/form-page';
import { useLanguage } from '../../testing/i18n';
import { daysBefore, todayIn } from './data-access/usage-api.service';
import { MyUsagePage } from './usage.page';

let ids = 0;
function limit(extra: Partial<QuotaLimit>): QuotaLimit {
  return {
    id: `limit-${++ids}`,
    subject: 'everyone',
    subject_id: null,
    subject_name: null,
    metric: 'messages',
    window: 'day',
    model: null,
    shared: false,
    amount: 100,
    used: 3,
    limit: 100,
    remaining: 97,
    resets_at: '2026-11-29T00:00:00.000Z',
    ...extra,
  };
}

const LIMITS: QuotaLimit[] = [
  limit({}),
  limit({
    metric: 'tokens',
    amount: 500_000,
    limit: 500_000,
    used: 1_200,
    remaining: 498_800,
  }),
  limit({
    subject: 'group',
    subject_id: 'g1',
    subject_name: 'Research',
    metric: 'cost',
    window: 'month',
    shared: true,
    amount: 200_000_000,
    limit: 200_000_000,
    used: 41_250_000,
    remaining: 158_750_000,
    resets_at: '2026-12-01T00:00:00.000Z',
  }),
  limit({
    subject: 'user',
    subject_id: 'ann',
    subject_name: 'Ann',
    metric: 'messages',
    window: 'week',
    model: 'gpt-4o',
    amount: 40,
    limit: 50,
    used: 41,
    remaining: 9,
    resets_at: '2026-11-30T00:00:00.000Z',
  }),
];

function quota(model: string, limits = LIMITS): Quota {
  return {
    messages: { used: 3, limit: 100, remaining: 97 },
    tokens: { used: 1_200, limit: 500_000, remaining: 498_800 },
    resets_at: '2026-11-29T00:00:00.000Z',
    timezone: 'UTC',
    model,
    limits,
  };
}

describe('MyUsagePage', () => {
  async function open(
    days?: { cost: number }[],
    limits: QuotaLimit[] = LIMITS,
  ) {
    const page = setUpFormPage(MyUsagePage);
    await page.render();
    page.http.expectOne('/api/models').flush({
      items: [
        { id: 'local', name: 'Local' },
        { id: 'gpt-4o', name: 'GPT-4o' },
      ],
      default_model: 'local',
    });
    page.http.expectOne('/api/chats/quota').flush(quota('local', limits));
    await page.render();
    const today = todayIn('UTC');
    const history = page.http.expectOne(
      (r) => r.url === '/api/usage' && r.params.get('to') === today,
    );
    expect(history.request.params.get('from')).toBe(daysBefore(today, 29));
    history.flush({
      items: days
        ? days.map((d, i) => ({
            date: daysBefore(today, days.length - 1 - i),
            messages: 1,
            tokens: 10,
            cost: d.cost,
          }))
        : [
            {
              date: daysBefore(today, 1),
              messages: 4,
              tokens: 900,
              cost: 1_500_000,
            },
            { date: today, messages: 3, tokens: 1_200, cost: 2_750_000 },
          ],
    });
    await page.render();
    const cards = () =>
      [...page.el.querySelectorAll('[data-testid="limit-card"]')].map((c) => ({
        title: c
          .querySelector('[data-testid="limit-title"]')
          ?.textContent?.trim(),
        value: c
          .querySelector('[data-testid="limit-value"]')
          ?.textContent?.trim(),
        left: c
          .querySelector('[data-testid="limit-left"]')
          ?.textContent?.trim(),
        granted:
          c
            .querySelector('[data-testid="limit-granted"]')
            ?.textContent?.trim() ?? null,
      }));
    return { ...page, cards };
  }

  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('shows one bar per limit, in words, with what is left', async () => {
    const { cards, el } = await open();
    expect(cards()).toEqual([
      {
        title: 'Your messages today',
        value: '3 of 100 messages',
        left: '97 messages left',
        granted: null,
      },
      {
        title: 'Your tokens today',
        value: '1,200 of 500,000 tokens',
        left: '498,800 tokens left',
        granted: null,
      },
      {
        title: 'Research together',
        value: '$41.25 of $200 this month',
        left: '$158.75 left',
        granted: null,
      },
      {
        title: 'Your messages this week on gpt-4o',
        value: '41 of 50 messages',
        left: '9 messages left',
        granted: 'Includes 10 messages granted by an administrator',
      },
    ]);
    const bars = el.querySelectorAll('[role="progressbar"]');
    expect(bars.length).toBe(4);
    expect(bars[2].getAttribute('aria-label')).toBe(
      'Research together: 21% of the limit used',
    );
    expect(
      el.querySelector('[data-testid="history-cost"]')?.textContent?.trim(),
    ).toBe('$4.25');
  });

  it('adds the days up in micro-dollars, then rounds the sum down once', async () => {
    const { el } = await open([{ cost: 4_999_999 }, { cost: 5_000_001 }]);
    expect(
      el.querySelector('[data-testid="history-cost"]')?.textContent?.trim(),
    ).toBe('$10.00');
  });

  it('shows a limit exhausted at $4.995 of $5 as full and red, rounded down', async () => {
    const budget = limit({
      id: 'budget',
      subject: 'user',
      subject_id: 'ann',
      subject_name: 'Ann',
      metric: 'cost',
      window: 'month',
      amount: 5_000_000,
      used: 4_995_000,
      limit: 5_000_000,
      remaining: 5_000,
      resets_at: '2026-12-01T00:00:00.000Z',
      exhausted: true,
    });
    const { el, cards } = await open(undefined, [budget]);
    expect(cards()[0]).toMatchObject({
      value: '$4.99 of $5',
      left: '<\u00a0$0.01 left',
    });
    const bar = el.querySelector('[role="progressbar"]');
    expect(bar?.getAttribute('data-level')).toBe('exceeded');
    expect(bar?.getAttribute('aria-valuenow')).toBe('100');
  });

  it('names the model by its name, and shows no chart when the history fails', async () => {
    const page = setUpFormPage(MyUsagePage);
    await page.render();
    page.http.expectOne('/api/models').flush({
      items: [{ id: 'local', name: 'Local model' }],
      default_model: 'local',
    });
    page.http.expectOne('/api/chats/quota').flush(quota('local'));
    await page.render();
    page.http
      .expectOne((r) => r.url === '/api/usage')
      .flush(null, { status: 503, statusText: 'Unavailable' });
    await page.render();
    expect(page.el.textContent).toContain(
      'Every limit that applies when you send to Local model.',
    );
    expect(page.el.querySelector('app-usage-chart')).toBeNull();
    expect(page.alert()).toBe(
      'The service is temporarily unavailable. Please try again shortly.',
    );
  });

  it('asks for the limits of another model when one is picked', async () => {
    const page = await open();
    (
      page.fixture.componentInstance as unknown as { pick(m: string): void }
    ).pick('gpt-4o');
    await page.render();
    const req = page.http.expectOne(
      (r) => r.url === '/api/chats/quota' && r.params.get('model') === 'gpt-4o',
    );
    req.flush(quota('gpt-4o', LIMITS.slice(0, 2)));
    await page.render();
    expect(page.cards().length).toBe(2);
  });

  it('speaks Russian', async () => {
    const page = await open();
    useLanguage('ru');
    await page.render();
    expect(page.cards()[2].value).toBe(
      '41,25\u00a0$ из 200\u00a0$ в этом месяце',
    );
    expect(page.cards()[3].value).toBe('41 из 50 сообщений');
  });
});
