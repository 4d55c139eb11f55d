import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { GatewayRequest } from '@tally/api-contract';
import { setUpDialog } from '../../../testing/dialog';
import { setUpFormPage } from '../../../testing/form-page';
import { useLanguage } from '../../../testing/i18n';
import { SEARCH_DEBOUNCE_MS } from '../../shared/table/table-paging';
import { RequestDialog } from './request-dialog';
import { REQUEST_REASONS } from './request-reason';
import { RequestsPage } from './requests.page';

const KEY = '3f0c6d1e-8a43-4b4e-9a57-1f9b1c2d3e4f';
const ANN = '5f0c6d1e-8a43-4b4e-9a57-1f9b1c2d3e4f';
const ROWS: GatewayRequest[] = [
  {
    id: 'b2d1c9a0-1111-4aaa-8bbb-000000000002',
    user_id: ANN,
    user_email: 'ann@example.com',
    user_name: 'Ann',
    api_key_id: KEY,
    api_key_name: 'CI runner',
    by_api_key: true,
    model: 'local',
    status: 'refused',
    code: 'QUOTA_MESSAGES_EXCEEDED',
    prompt_tokens: null,
    completion_tokens: null,
    cost: null,
    started_at: '2026-12-01T12:00:01.000Z',
    duration_ms: 3,
    count: 30,
  },
  {
    id: 'b2d1c9a0-1111-4aaa-8bbb-000000000001',
    user_id: ANN,
    user_email: 'ann@example.com',
    user_name: 'Ann',
    api_key_id: null,
    api_key_name: null,
    by_api_key: false,
    model: 'local',
    status: 'complete',
    code: null,
    prompt_tokens: 12,
    completion_tokens: 85,
    cost: 0,
    started_at: '2026-12-01T12:00:00.000Z',
    duration_ms: 41,
    count: 1,
  },
  {
    id: 'b2d1c9a0-1111-4aaa-8bbb-000000000000',
    user_id: '6f0c6d1e-8a43-4b4e-9a57-1f9b1c2d3e4f',
    user_email: 'bob@example.com',
    user_name: '',
    api_key_id: null,
    api_key_name: null,
    by_api_key: true,
    model: 'local',
    status: 'error',
    code: 'SOMETHING_NEW',
    prompt_tokens: 3,
    completion_tokens: 0,
    cost: 1500,
    started_at: '2026-12-01T11:59:59.000Z',
    duration_ms: 1250,
    count: 1,
  },
];

const page1 = (items: GatewayRequest[]) => ({
  items,
  total: items.length,
  page: 1,
  page_size: 20,
});

describe('RequestsPage', () => {
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    document.querySelector('.cdk-overlay-container')?.remove();
  });

  async function open(rows = ROWS) {
    const page = setUpFormPage(RequestsPage);
    await page.render();
    page.http.expectOne('/api/admin/models').flush({ items: [] });
    const first = page.http.expectOne((r) => r.url === '/api/admin/requests');
    expect(first.request.params.keys().sort()).toEqual(['page', 'page_size']);
    first.flush(page1(rows));
    await page.render();
    return page;
  }

  const texts = (el: HTMLElement, testId: string) =>
    [...el.querySelectorAll(`[data-testid="${testId}"]`)].map((c) =>
      c.textContent?.replace(/\s+/g, ' ').trim(),
    );

  /** The one request the page sent next, with these filters. */
  const nextQuery = (page: Awaited<ReturnType<typeof open>>) => {
    const req = page.http.expectOne((r) => r.url === '/api/admin/requests');
    const params = Object.fromEntries(
      req.request.params.keys().map((k) => [k, req.request.params.get(k)]),
    );
    return {
      params,
      flush: (rows: GatewayRequest[]) => req.flush(page1(rows)),
    };
  };

  it('names users and keys, says why, and gives times to the second', async () => {
    const { el } = await open();
    expect(texts(el, 'request-user')).toEqual([
      'Ann ann@example.com',
      'Ann ann@example.com',
      'bob@example.com',
    ]);
    expect(texts(el, 'request-key')).toEqual([
      'CI runner',
      'login',
      'deleted key',
    ]);
    expect(texts(el, 'request-status')).toEqual([
      'Refused 30 times in that minute Message limit reached',
      'Complete',
      // A code the page does not know is shown as it is.
      'Error SOMETHING_NEW',
    ]);
    expect(el.textContent).toContain('12 + 85');
    expect(el.textContent).toContain('1,250 ms');
    for (const time of texts(el, 'request-open')) {
      expect(time).toMatch(/\d{1,2}:\d{2}:\d{2}/);
    }
    // No id fragments any more.
    expect(el.textContent).not.toContain(KEY.slice(0, 8));
  });

  it('has words for every reason, in English and Russian', async () => {
    const { el, render } = await open(
      REQUEST_REASONS.map((code, i) => ({
        ...ROWS[0],
        id: `r${i}`,
        count: 1,
        code,
      })),
    );
    const english = texts(el, 'request-reason');
    expect(english).toHaveLength(REQUEST_REASONS.length);
    english.forEach((text, i) => {
      expect(text).not.toContain(REQUEST_REASONS[i]);
      expect(text).not.toContain('admin.requests');
    });
    useLanguage('ru');
    await render();
    const russian = texts(el, 'request-reason');
    russian.forEach((text, i) => {
      expect(text).toMatch(/[а-яё]/i);
      expect(text).not.toBe(english[i]);
    });
  });

  it('says how many refusals a row counts only when more than one, in Russian plurals too', async () => {
    const refused = (id: string, count: number): GatewayRequest => ({
      ...ROWS[0],
      id,
      count,
    });
    const { el, render } = await open([
      refused('a', 1),
      refused('b', 2),
      refused('c', 5),
      refused('d', 21),
      refused('e', 22),
    ]);
    expect(texts(el, 'request-count')).toEqual([
      '2 times in that minute',
      '5 times in that minute',
      '21 times in that minute',
      '22 times in that minute',
    ]);
    useLanguage('ru');
    await render();
    expect(texts(el, 'request-count')).toEqual([
      '2 раза за эту минуту',
      '5 раз за эту минуту',
      '21 раз за эту минуту',
      '22 раза за эту минуту',
    ]);
    expect(texts(el, 'request-status')[0]).toBe(
      'Отклонён Исчерпан лимит сообщений',
    );
    expect(texts(el, 'request-key')[0]).toBe('CI runner');
  });

  it('searches once typing pauses, from page 1', async () => {
    vi.useFakeTimers();
    try {
      const page = await open();
      const box = page.el.querySelector<HTMLInputElement>(
        '[data-testid="requests-search"]',
      ) as HTMLInputElement;
      box.value = 'an';
      box.dispatchEvent(new Event('input'));
      box.value = 'ann@';
      box.dispatchEvent(new Event('input'));
      vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS - 50);
      await page.render();
      page.http.expectNone((r) => r.params.has('search'));
      vi.advanceTimersByTime(100);
      await page.render();
      const next = nextQuery(page);
      expect(next.params).toEqual({
        search: 'ann@',
        page: '1',
        page_size: '20',
      });
      next.flush([ROWS[0]]);
      await page.render();
      expect(
        page.el.querySelectorAll('[data-testid="request-row"]'),
      ).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('narrows to a user or a key clicked in a row, and lets go of it', async () => {
    const page = await open();
    page.el
      .querySelector<HTMLButtonElement>('[data-testid="request-key-filter"]')
      ?.click();
    await page.render();
    let next = nextQuery(page);
    expect(next.params).toMatchObject({ api_key_id: KEY, page: '1' });
    next.flush([ROWS[0]]);
    await page.render();
    expect(texts(page.el, 'requests-chosen-key')).toEqual(['Key: CI runner ×']);

    page.el
      .querySelector<HTMLButtonElement>('[data-testid="request-user-filter"]')
      ?.click();
    await page.render();
    next = nextQuery(page);
    expect(next.params).toMatchObject({ api_key_id: KEY, user_id: ANN });
    next.flush([ROWS[0]]);
    await page.render();
    expect(texts(page.el, 'requests-chosen-user')).toEqual([
      'User: Ann (ann@example.com) ×',
    ]);

    page.el
      .querySelector<HTMLButtonElement>('[data-testid="requests-chosen-key"]')
      ?.click();
    await page.render();
    next = nextQuery(page);
    expect(next.params).toEqual({ user_id: ANN, page: '1', page_size: '20' });
    next.flush(ROWS.slice(0, 2));
    await page.render();
    expect(texts(page.el, 'requests-chosen-key')).toEqual([]);
  });

  it('opens everything about a request from its time', async () => {
    const page = await open();
    page.el
      .querySelector<HTMLButtonElement>('[data-testid="request-open"]')
      ?.click();
    await page.render();
    page.http.expectOne(`/api/admin/requests/${ROWS[0].id}`).flush(ROWS[0]);
    await page.render();
    const detail = document.querySelector('[data-testid="request-detail"]');
    expect(detail?.textContent).toContain(ROWS[0].id);
    expect(detail?.textContent).toContain(KEY);
  });
});

describe('RequestDialog', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('shows all of a row as the server has it now: full ids, reason, count, tokens, cost', async () => {
    const d = setUpDialog(RequestDialog, ROWS[0]);
    await d.render();
    d.http.expectOne(`/api/admin/requests/${ROWS[0].id}`).flush(ROWS[0]);
    await d.render();
    const text = d.el.textContent?.replace(/\s+/g, ' ') ?? '';
    expect(text).toContain(ROWS[0].id);
    expect(text).toContain(ANN);
    expect(text).toContain(KEY);
    expect(text).toContain('CI runner');
    expect(text).toContain('ann@example.com');
    expect(
      d.el.querySelector('[data-testid="request-detail-reason"]')?.textContent,
    ).toMatch(/Message limit reached\s+QUOTA_MESSAGES_EXCEEDED/);
    expect(
      d.el.querySelector('[data-testid="request-detail-count"]')?.textContent,
    ).toContain('30');
    expect(text).toMatch(/\d{1,2}:\d{2}:01/);
  });

  it('says a key was deleted, and formats tokens, cost and duration, in Russian too', async () => {
    const d = setUpDialog(RequestDialog, ROWS[2]);
    await d.render();
    d.http.expectOne(`/api/admin/requests/${ROWS[2].id}`).flush(ROWS[2]);
    await d.render();
    expect(
      d.el.querySelector('[data-testid="request-detail-key"]')?.textContent,
    ).toContain('deleted key');
    const text = d.el.textContent?.replace(/\s+/g, ' ') ?? '';
    expect(text).toContain('SOMETHING_NEW');
    expect(text).toContain('1,250 ms');
    // Money is rounded down to the cent: 1,500 micro-dollars is under one.
    expect(text).toContain('< $0.01');
    useLanguage('ru');
    await d.render();
    expect(
      d.el.querySelector('[data-testid="request-detail-key"]')?.textContent,
    ).toContain('удалённый ключ');
  });
});
