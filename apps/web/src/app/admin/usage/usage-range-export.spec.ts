import { provideHttpClient } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideNativeDateAdapter } from '@angular/material/core';
import { one } from '../../../testing/dom';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { UsageRangeExport } from './usage-range-export';

describe('UsageRangeExport', () => {
  let saved: { name: string; blob: Blob }[];

  async function open(lang: 'en' | 'ru' = 'en') {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideHttpClient(),
        provideHttpClientTesting(),
        provideNativeDateAdapter(),
        provideTestI18n(),
      ],
    });
    useLanguage(lang);
    const fixture = TestBed.createComponent(UsageRangeExport);
    const el = fixture.nativeElement as HTMLElement;
    const render = async () => {
      fixture.detectChanges();
      await fixture.whenStable();
      fixture.detectChanges();
    };
    await render();
    const type = async (testId: string, text: string) => {
      const input = one<HTMLInputElement>(el, `[data-testid="${testId}"]`);
      input.value = text;
      input.dispatchEvent(new Event('input'));
      input.dispatchEvent(new Event('change'));
      input.dispatchEvent(new Event('blur'));
      await render();
    };
    const button = () =>
      one<HTMLButtonElement>(el, '[data-testid="usage-range-export"]');
    const problem = () =>
      el
        .querySelector('[data-testid="usage-range-problem"]')
        ?.textContent?.trim() ?? null;
    return {
      el,
      render,
      type,
      button,
      problem,
      http: TestBed.inject(HttpTestingController),
    };
  }

  beforeEach(() => {
    saved = [];
    let blob: Blob | null = null;
    vi.stubGlobal('URL', {
      ...URL,
      createObjectURL: (b: Blob) => {
        blob = b;
        return 'blob:usage';
      },
      revokeObjectURL: () => undefined,
    });
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      saved.push({ name: this.download, blob: blob as Blob });
    });
  });
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('exports the chosen days as one CSV file', async () => {
    const { type, button, http, render } = await open();
    expect(button().disabled).toBe(true);
    await type('usage-range-from', '10/29/2026');
    await type('usage-range-to', '11/28/2026');
    expect(button().disabled).toBe(false);
    // Not render(): it would wait for the pending request.
    button().click();
    const request = http.expectOne((r) => r.url === '/api/admin/usage/export');
    expect(request.request.params.get('from')).toBe('2026-10-29');
    expect(request.request.params.get('to')).toBe('2026-11-28');
    expect(request.request.params.has('date')).toBe(false);
    expect(request.request.responseType).toBe('blob');
    const csv = new Blob(['\uFEFFdate,user_id\r\n']);
    request.flush(csv);
    await render();
    expect(saved).toEqual([
      { name: 'tally-usage-2026-10-29_2026-11-28.csv', blob: csv },
    ]);
  }, 30_000);

  it('refuses a range longer than 366 days before asking, in English and Russian', async () => {
    for (const [lang, text, from, to] of [
      ['en', 'A range may span at most 366 days.', '1/1/2025', '11/28/2026'],
      ['ru', 'Период — не больше 366 дней.', '1/1/2025', '11/28/2026'],
    ] as const) {
      TestBed.resetTestingModule();
      const { type, button, problem, http } = await open(lang);
      await type('usage-range-from', from);
      await type('usage-range-to', to);
      expect([lang, button().disabled, problem()]).toEqual([lang, true, text]);
      http.expectNone((r) => r.url === '/api/admin/usage/export');
    }
  }, 30_000);
});
