import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { adminLimit, group } from '../../../testing/admin-fixtures';
import { one } from '../../../testing/dom';
import { setUpFormPage } from '../../../testing/form-page';
import { SEARCH_DEBOUNCE_MS } from '../../shared/table/table-paging';
import { GroupPage } from './group.page';

const NO_ANIMATIONS = [
  { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
];
const RESEARCH = group('Research', { member_count: 1, description: 'Lab' });
const BOB = {
  id: 'bob-id',
  email: 'bob@example.com',
  name: 'Bob',
  role: 'user' as const,
  is_active: true,
  max_ai_messages_per_day: null,
  max_ai_tokens_per_day: null,
  created_at: '2026-11-01T00:00:00.000Z',
};

describe('GroupPage', { timeout: 20_000 }, () => {
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    document.querySelector('.cdk-overlay-container')?.remove();
  });

  async function open() {
    const page = setUpFormPage(GroupPage, NO_ANIMATIONS);
    page.fixture.componentRef.setInput('id', RESEARCH.id);
    await page.render();
    page.http.expectOne(`/api/admin/groups/${RESEARCH.id}`).flush(RESEARCH);
    page.http
      .expectOne(
        (r) =>
          r.url === '/api/admin/limits' &&
          r.params.get('subject') === 'group' &&
          r.params.get('subject_id') === RESEARCH.id,
      )
      .flush({
        items: [
          adminLimit({
            subject: 'group',
            subject_id: RESEARCH.id,
            subject_name: 'Research',
            amount: 50,
          }),
        ],
      });
    await page.render();
    page.http
      .expectOne((r) => r.url === `/api/admin/groups/${RESEARCH.id}/members`)
      .flush({ items: [BOB], total: 1, page: 1, page_size: 20 });
    await page.render();
    return page;
  }

  it('shows the group, its limits in words and its members', async () => {
    const { el } = await open();
    expect(
      el.querySelector('[data-testid="group-title"]')?.textContent?.trim(),
    ).toBe('Research');
    expect(
      el.querySelector('[data-testid="cell-limit"]')?.textContent?.trim(),
    ).toBe('each member of Research: 50 messages a day');
    expect(one(el, 'tr[data-email="bob@example.com"]').textContent).toContain(
      'Bob',
    );
    expect(
      el.querySelector('[data-testid="members-count"]')?.textContent?.trim(),
    ).toBe('1 member');
  });

  it('adds a member found by the user search, and removes one', async () => {
    vi.useFakeTimers();
    try {
      const page = await open();
      const box = one<HTMLInputElement>(
        page.el,
        '[data-testid="member-picker"]',
      );
      box.focus();
      box.value = 'ann';
      box.dispatchEvent(new Event('input'));
      vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS + 10);
      await page.render();
      const search = page.http.expectOne((r) => r.url === '/api/admin/users');
      expect(search.request.params.get('search')).toBe('ann');
      search.flush({
        items: [
          { ...BOB, id: 'ann-id', email: 'ann@example.com', name: 'Ann' },
        ],
        total: 1,
        page: 1,
        page_size: 20,
      });
      await page.render();
      const option = one<HTMLElement>(
        document,
        'mat-option[data-option-id="ann-id"]',
      );
      expect(option.textContent).toContain('Ann (ann@example.com)');
      option.click();
      await page.render();
      const put = page.http.expectOne(
        `/api/admin/groups/${RESEARCH.id}/members/ann-id`,
      );
      expect(put.request.method).toBe('PUT');
      put.flush(null, { status: 204, statusText: 'No Content' });
      await page.render();
      page.http
        .expectOne((r) => r.url === `/api/admin/groups/${RESEARCH.id}/members`)
        .flush({ items: [BOB], total: 1, page: 1, page_size: 20 });
      page.http.expectOne(`/api/admin/groups/${RESEARCH.id}`).flush(RESEARCH);
      await page.render();

      one<HTMLButtonElement>(page.el, '[data-testid="remove-member"]').click();
      await page.render();
      const del = page.http.expectOne(
        `/api/admin/groups/${RESEARCH.id}/members/bob-id`,
      );
      expect(del.request.method).toBe('DELETE');
      del.flush(null, { status: 204, statusText: 'No Content' });
      await page.render();
      page.http
        .expectOne((r) => r.url === `/api/admin/groups/${RESEARCH.id}/members`)
        .flush({ items: [], total: 0, page: 1, page_size: 20 });
      page.http.expectOne(`/api/admin/groups/${RESEARCH.id}`).flush(RESEARCH);
    } finally {
      vi.useRealTimers();
    }
  });
});
