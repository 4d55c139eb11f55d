import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { GatewayRequest } from '@tally/api-contract';
import { setUpFormPage } from '../../../testing/form-page';
import { RequestsPage } from './requests.page';

const KEY = '3f0c6d1e-8a43-4b4e-9a57-1f9b1c2d3e4f';
const ROWS: GatewayRequest[] = [
  {
    id: 'r2',
    user_id: '5f0c6d1e-8a43-4b4e-9a57-1f9b1c2d3e4f',
    api_key_id: KEY,
    model: 'local',
    status: 'refused',
    code: 'QUOTA_MESSAGES_EXCEEDED',
    prompt_tokens: null,
    completion_tokens: null,
    cost: null,
    started_at: '2026-12-01T12:00:01.000Z',
    duration_ms: 3,
  },
  {
    id: 'r1',
    user_id: '5f0c6d1e-8a43-4b4e-9a57-1f9b1c2d3e4f',
    api_key_id: null,
    model: 'local',
    status: 'complete',
    code: null,
    prompt_tokens: 12,
    completion_tokens: 85,
    cost: 0,
    started_at: '2026-12-01T12:00:00.000Z',
    duration_ms: 41,
  },
];

describe('RequestsPage', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  async function open() {
    const page = setUpFormPage(RequestsPage);
    await page.render();
    page.http.expectOne('/api/admin/models').flush({ items: [] });
    const first = page.http.expectOne((r) => r.url === '/api/admin/requests');
    expect(first.request.params.keys().sort()).toEqual(['page', 'page_size']);
    first.flush({ items: ROWS, total: 2, page: 1, page_size: 20 });
    await page.render();
    return page;
  }

  it('lists the requests with how each ended', async () => {
    const { el } = await open();
    const statuses = [
      ...el.querySelectorAll('[data-testid="request-status"]'),
    ].map((c) => c.textContent?.replace(/\s+/g, ' ').trim());
    // The reason in words, not its code.
    expect(statuses).toEqual(['Refused Message limit reached', 'Complete']);
    expect(el.textContent).toContain('12 + 85');
    expect(el.textContent).toContain('login');
  });

  it('filters by key id once it is whole', async () => {
    const page = await open();
    const input = page.el.querySelector<HTMLInputElement>(
      '[data-testid="requests-key"]',
    ) as HTMLInputElement;
    input.value = '3f0c6d1e';
    input.dispatchEvent(new Event('input'));
    await page.render();
    page.http.expectNone((r) => r.params.has('api_key_id'));
    expect(page.el.textContent).toContain('Paste the whole key id');
    // The page went back to 1 (the query did not change otherwise).
    page.http
      .match(() => true)
      .forEach((r) => r.flush({ items: [], total: 0, page: 1, page_size: 20 }));
    input.value = KEY;
    input.dispatchEvent(new Event('input'));
    await page.render();
    const req = page.http.expectOne(
      (r) =>
        r.url === '/api/admin/requests' && r.params.get('api_key_id') === KEY,
    );
    req.flush({ items: [ROWS[0]], total: 1, page: 1, page_size: 20 });
    await page.render();
    expect(
      page.el.querySelectorAll('[data-testid="request-row"]'),
    ).toHaveLength(1);
  });
});
