import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { apiError, group } from '../../../testing/admin-fixtures';
import { setUpDialog } from '../../../testing/dialog';
import { one } from '../../../testing/dom';
import { setUpFormPage } from '../../../testing/form-page';
import { SEARCH_DEBOUNCE_MS } from '../../shared/table/table-paging';
import { GroupDialog } from './group-dialog';
import { GroupsPage } from './groups.page';

const NO_ANIMATIONS = [
  { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
];
const RESEARCH = group('Research', { member_count: 2, description: 'Lab' });
const STUDENTS = group('Students', { member_count: 30 });

describe('GroupsPage', { timeout: 20_000 }, () => {
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    document.querySelector('.cdk-overlay-container')?.remove();
  });

  async function open() {
    const page = setUpFormPage(GroupsPage, NO_ANIMATIONS);
    await page.render();
    page.http
      .expectOne((r) => r.url === '/api/admin/groups')
      .flush({ items: [RESEARCH, STUDENTS], total: 2, page: 1, page_size: 20 });
    await page.render();
    return page;
  }

  it('lists groups with their member counts, each linking to its own page', async () => {
    const { el } = await open();
    expect(
      el.querySelector('[data-testid="groups-count"]')?.textContent?.trim(),
    ).toBe('2 groups');
    const row = one(el, 'tr[data-group="Students"]');
    expect(
      row.querySelector('[data-testid="cell-members"]')?.textContent?.trim(),
    ).toBe('30');
    expect(
      row.querySelector('a[data-testid="group-link"]')?.getAttribute('href'),
    ).toBe('/admin/groups/students-id');
  });

  it('searches by name, from page 1', async () => {
    vi.useFakeTimers();
    try {
      const page = await open();
      const box = one<HTMLInputElement>(
        page.el,
        '[data-testid="groups-search"]',
      );
      box.value = 'res';
      box.dispatchEvent(new Event('input'));
      vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS + 10);
      await page.render();
      const req = page.http.expectOne((r) => r.url === '/api/admin/groups');
      expect(req.request.params.get('search')).toBe('res');
      expect(req.request.params.get('page')).toBe('1');
      req.flush({ items: [RESEARCH], total: 1, page: 1, page_size: 20 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('GroupDialog', { timeout: 20_000 }, () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('creates a group with a name and a description', async () => {
    const d = setUpDialog(GroupDialog, {});
    await d.render();
    d.fill('group-name', '  Research ');
    d.fill('group-description', 'Lab people');
    await d.submit();
    const req = d.http.expectOne('/api/admin/groups');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      name: 'Research',
      description: 'Lab people',
    });
    req.flush(RESEARCH);
    expect(d.close).toHaveBeenCalledWith(RESEARCH);
  });

  it('wants a name of 1 to 100 characters, and says a taken name in words', async () => {
    const d = setUpDialog(GroupDialog, {});
    await d.render();
    await d.submit();
    expect(d.errors()).toEqual(['This field is required.']);
    d.fill('group-name', 'x'.repeat(101));
    await d.submit();
    expect(d.errors()).toEqual(['At most 100 characters.']);
    d.http.expectNone('/api/admin/groups');
    d.fill('group-name', 'research');
    await d.submit();
    const { body, options } = apiError(409, 'GROUP_EXISTS');
    d.http.expectOne('/api/admin/groups').flush(body, options);
    await d.render();
    expect(
      d.el
        .querySelector('[data-testid="group-dialog-error"]')
        ?.textContent?.trim(),
    ).toBe('A group with this name already exists.');
  });

  it('renames a group', async () => {
    const d = setUpDialog(GroupDialog, { group: RESEARCH });
    await d.render();
    d.fill('group-name', 'Research lab');
    await d.submit();
    const req = d.http.expectOne(`/api/admin/groups/${RESEARCH.id}`);
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({
      name: 'Research lab',
      description: 'Lab',
    });
    req.flush({ ...RESEARCH, name: 'Research lab' });
  });
});
