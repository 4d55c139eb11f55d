import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { adminLimit, apiError } from '../../../testing/admin-fixtures';
import { one } from '../../../testing/dom';
import { setUpFormPage } from '../../../testing/form-page';
import { useLanguage } from '../../../testing/i18n';
import { LimitsPage } from './limits.page';

const NO_ANIMATIONS = [
  { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
];

const EVERYONE_DAY = adminLimit({ amount: 100 });
const EVERYONE_TOKENS = adminLimit({ metric: 'tokens', amount: 500_000 });
const EACH_RESEARCH = adminLimit({
  subject: 'group',
  subject_id: 'research-id',
  subject_name: 'Research',
  amount: 50,
});
const RESEARCH_POOL = adminLimit({
  subject: 'group',
  subject_id: 'research-id',
  subject_name: 'Research',
  metric: 'cost',
  window: 'month',
  shared: true,
  amount: 200_000_000,
  used: 41_250_000,
  resets_at: '2026-12-01T00:00:00.000Z',
});
const ANN_MODEL = adminLimit({
  subject: 'user',
  subject_id: 'ann-id',
  subject_name: 'Ann (ann@x)',
  metric: 'cost',
  window: 'month',
  model: 'gpt-4o',
  amount: 5_000_000,
});
const ALL = [
  EVERYONE_DAY,
  EVERYONE_TOKENS,
  EACH_RESEARCH,
  RESEARCH_POOL,
  ANN_MODEL,
];

describe('LimitsPage', { timeout: 20_000 }, () => {
  async function open() {
    const page = setUpFormPage(LimitsPage, NO_ANIMATIONS);
    await page.render();
    page.http.expectOne('/api/admin/limits').flush({ items: ALL });
    await page.render();
    const sentences = () =>
      [...page.el.querySelectorAll('[data-testid="cell-limit"]')].map((c) =>
        c.textContent?.trim(),
      );
    const row = (sentence: string) =>
      one<HTMLElement>(page.el, `tr[data-limit="${sentence}"]`);
    return { ...page, sentences, row };
  }

  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    document.querySelector('.cdk-overlay-container')?.remove();
  });

  it('says every limit in a sentence, and a pool’s use so far', async () => {
    const { sentences, row } = await open();
    expect(sentences()).toEqual([
      'everyone: 100 messages a day',
      'everyone: 500,000 tokens a day',
      'each member of Research: 50 messages a day',
      'Research together: $200 a month',
      'Ann (ann@x): $5 a month on gpt-4o',
    ]);
    const use = row('Research together: $200 a month').querySelector(
      '[data-testid="cell-use"]',
    );
    expect(use?.textContent).toContain('$41.25 of $200');
    expect(use?.textContent).toContain('resets on');
  });

  it('says since when a pool made in its window counts, and nothing for an older one', async () => {
    const page = setUpFormPage(LimitsPage, NO_ANIMATIONS);
    await page.render();
    const made = '2026-12-14T12:00:00.000Z';
    const fresh = adminLimit({
      shared: true,
      metric: 'tokens',
      window: 'month',
      amount: 1000,
      used: 0,
      resets_at: '2027-01-01T00:00:00.000Z',
      created_at: made,
      counting_since: made,
    });
    const older = {
      ...RESEARCH_POOL,
      counting_since: '2026-12-01T00:00:00.000Z',
    };
    page.http.expectOne('/api/admin/limits').flush({ items: [fresh, older] });
    await page.render();
    const since = () =>
      [...page.el.querySelectorAll('tr[data-limit]')].map((tr) =>
        tr.querySelector('[data-testid="counting-since"]')?.textContent?.trim(),
      );
    expect(since()).toEqual(['counting since Dec 14', undefined]);
    useLanguage('ru');
    await page.render();
    expect(since()).toEqual(['отсчёт с 14 дек.', undefined]);
  });

  it('filters by subject', async () => {
    const page = await open();
    (
      page.fixture.componentInstance as unknown as {
        filter(s: string): void;
      }
    ).filter('group');
    await page.render();
    page.http
      .expectOne(
        (r) =>
          r.url === '/api/admin/limits' && r.params.get('subject') === 'group',
      )
      .flush({ items: [EACH_RESEARCH, RESEARCH_POOL] });
    await page.render();
    expect(page.sentences()).toEqual([
      'each member of Research: 50 messages a day',
      'Research together: $200 a month',
    ]);
  });

  it('says in words why an everyone daily limit cannot be deleted', async () => {
    const page = await open();
    one<HTMLButtonElement>(
      page.row('everyone: 100 messages a day'),
      '[data-testid="delete-limit"]',
    ).click();
    await page.render();
    one<HTMLButtonElement>(document, '[data-testid="confirm-ok"]').click();
    await page.render();
    const { body, options } = apiError(409, 'LIMIT_REQUIRED');
    page.http
      .expectOne(
        (r) =>
          r.method === 'DELETE' &&
          r.url === `/api/admin/limits/${EVERYONE_DAY.id}`,
      )
      .flush(body, options);
    await page.render();
    expect(
      page.el
        .querySelector('[data-testid="limits-notice"]')
        ?.textContent?.trim(),
    ).toBe(
      'The two daily limits for everyone (messages and tokens) cannot be deleted. Change their amount instead.',
    );
  });

  it('speaks Russian', async () => {
    const page = await open();
    useLanguage('ru');
    await page.render();
    expect(page.sentences()).toEqual([
      'все: 100 сообщений в день',
      'все: 500\u00a0000 токенов в день',
      'каждый участник группы Research: 50 сообщений в день',
      'группа Research вместе: 200\u00a0$ в месяц',
      'Ann (ann@x): 5\u00a0$ в месяц, модель gpt-4o',
    ]);
  });
});
