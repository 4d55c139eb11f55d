import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideNativeDateAdapter } from '@angular/material/core';
import type { UsageByModel, UsageReport } from '@tally/api-contract';
import { adminModel, group } from '../../../testing/admin-fixtures';
import { one } from '../../../testing/dom';
import { setUpFormPage } from '../../../testing/form-page';
import { useLanguage } from '../../../testing/i18n';
import { UsagePage } from './usage.page';

const REPORT: UsageReport = {
  date: '2026-11-28',
  timezone: 'UTC',
  items: [
    {
      user_id: 'u1',
      email: 'ann@example.com',
      name: 'Ann',
      messages: 3,
      tokens: 1200,
      messages_limit: 100,
      tokens_limit: 500_000,
      cost: 45_600,
    },
    {
      user_id: 'u2',
      email: 'bob@example.com',
      name: 'Bob',
      messages: 1,
      tokens: 40,
      messages_limit: 100,
      tokens_limit: 500_000,
      cost: 0,
    },
  ],
  total: 2,
  page: 1,
  page_size: 20,
  totals: { messages: 4, tokens: 1240, cost: 45_600, active_users: 2 },
};

const BY_MODEL: UsageByModel = {
  date: '2026-11-28',
  items: [
    {
      model: 'gpt-4o-mini',
      messages: 3,
      prompt_tokens: 900,
      completion_tokens: 300,
      tokens: 1200,
      cost: 45_600,
    },
    {
      model: 'local',
      messages: 1,
      prompt_tokens: 30,
      completion_tokens: 10,
      tokens: 40,
      cost: 0,
    },
  ],
};

describe('UsagePage cost', { timeout: 20_000 }, () => {
  async function open() {
    const page = setUpFormPage(UsagePage, [provideNativeDateAdapter()]);
    await page.render();
    page.http.expectOne((r) => r.url === '/api/admin/usage').flush(REPORT);
    const history = page.http.expectOne(
      (r) => r.url === '/api/admin/usage/history',
    );
    expect(history.request.params.keys()).toEqual([]); // everyone's 30 days
    history.flush({ items: [] });
    const byModel = page.http.expectOne(
      (r) => r.url === '/api/admin/usage/models',
    );
    expect(byModel.request.params.has('date')).toBe(false); // today, as the API counts it
    byModel.flush(BY_MODEL);
    page.http
      .expectOne((r) => r.url === '/api/admin/groups')
      .flush({
        items: [group('Research')],
        total: 1,
        page: 1,
        page_size: 200,
      });
    page.http
      .expectOne('/api/admin/models')
      .flush({ items: [adminModel('local', 'c'), adminModel('gpt-4o', 'c')] });
    await page.render();
    const cells = (selector: string) =>
      [...page.el.querySelectorAll(selector)].map((c) => c.textContent?.trim());
    return { ...page, cells };
  }

  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('shows each user’s cost, the total cost and the day by model', async () => {
    const { cells, el } = await open();
    expect(cells('[data-testid="cell-cost"]')).toEqual(['$0.04', '$0.00']);
    expect(one(el, '[data-testid="total-cost"]').textContent?.trim()).toBe(
      '$0.04',
    );
    const rows = [
      ...el.querySelectorAll('[data-testid="usage-by-model"] tr[data-model]'),
    ].map((row) =>
      [...row.querySelectorAll('td')].map((td) => td.textContent?.trim()),
    );
    expect(rows).toEqual([
      ['gpt-4o-mini', '3', '900', '300', '1,200', '$0.04'],
      ['local', '1', '30', '10', '40', '$0.00'],
    ]);
    expect(el.textContent).toContain('By model, Nov 28, 2026');
  });

  it('shows one group’s members or one model’s use only, from page 1, in the report, the day by model and the chart, and exports the group', async () => {
    const page = await open();
    const inside = page.fixture.componentInstance as unknown as {
      onGroup(id: string): void;
      onModel(id: string): void;
      exportCsv(): void;
    };
    const params = (url: string) => {
      const req = page.http.expectOne((r) => r.url === url);
      const all = Object.fromEntries(
        req.request.params.keys().map((k) => [k, req.request.params.get(k)]),
      );
      return { req, all };
    };
    const modelRows = () =>
      [
        ...page.el.querySelectorAll(
          '[data-testid="usage-by-model"] tr[data-model]',
        ),
      ].map((row) => row.getAttribute('data-model'));

    inside.onGroup('research-id');
    await page.render();
    const byGroup = params('/api/admin/usage');
    expect(byGroup.all).toMatchObject({ group_id: 'research-id', page: '1' });
    expect(byGroup.all).not.toHaveProperty('model');
    byGroup.req.flush(REPORT);
    const groupModels = params('/api/admin/usage/models');
    expect(groupModels.all).toEqual({ group_id: 'research-id' });
    groupModels.req.flush({ ...BY_MODEL, items: [BY_MODEL.items[1]] });
    const groupHistory = params('/api/admin/usage/history');
    expect(groupHistory.all).toEqual({ group_id: 'research-id' });
    groupHistory.req.flush({ items: [] });
    await page.render();
    expect(modelRows()).toEqual(['local']);

    inside.onModel('gpt-4o');
    await page.render();
    const both = { group_id: 'research-id', model: 'gpt-4o' };
    const byModel = params('/api/admin/usage');
    expect(byModel.all).toMatchObject(both);
    byModel.req.flush(REPORT);
    const models = params('/api/admin/usage/models');
    expect(models.all).toEqual(both);
    models.req.flush({ ...BY_MODEL, items: [] });
    const history = params('/api/admin/usage/history');
    expect(history.all).toEqual(both);
    history.req.flush({ items: [] });
    await page.render();
    expect(modelRows()).toEqual([]);

    URL.createObjectURL ??= () => 'blob:x';
    URL.revokeObjectURL ??= () => undefined;
    inside.exportCsv();
    const csv = page.http.expectOne((r) => r.url === '/api/admin/usage/export');
    expect(csv.request.params.get('group_id')).toBe('research-id');
    expect(csv.request.params.get('date')).toBe('2026-11-28');
    csv.flush(new Blob(['x']));
  });

  it('writes money the Russian way', async () => {
    const { cells, render } = await open();
    useLanguage('ru');
    await render();
    expect(cells('[data-testid="cell-cost"]')).toEqual([
      '0,04\u00a0$',
      '0,00\u00a0$',
    ]);
  });
});
