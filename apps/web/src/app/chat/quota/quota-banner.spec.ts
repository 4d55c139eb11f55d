import { TestBed } from '@angular/core/testing';
import type { QuotaLimit } from '@tally/api-contract';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { QuotaBanner } from './quota-banner';
import type { QuotaBlock } from './send-block';

const WEEK: QuotaLimit = {
  id: 'week-1',
  subject: 'user',
  subject_id: 'ann',
  subject_name: 'Ann',
  metric: 'messages',
  window: 'week',
  model: null,
  shared: false,
  amount: 5,
  used: 5,
  limit: 5,
  remaining: 0,
  resets_at: '2026-11-30T00:00:00.000Z',
};
const POOL: QuotaLimit = {
  ...WEEK,
  subject: 'group',
  subject_name: 'Research',
  shared: true,
  metric: 'cost',
  window: 'month',
  amount: 200_000_000,
  limit: 200_000_000,
  used: 200_000_000,
};

function what(block: QuotaBlock): string | undefined {
  const fixture = TestBed.createComponent(QuotaBanner);
  fixture.componentRef.setInput('block', block);
  fixture.componentRef.setInput('now', Date.parse('2026-11-28T12:00:00Z'));
  fixture.detectChanges();
  return (fixture.nativeElement as HTMLElement)
    .querySelector('[data-testid="quota-banner-what"]')
    ?.textContent?.trim();
}

describe('QuotaBanner', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: provideTestI18n() });
    useLanguage('en');
  });

  it('names the daily limit as before', () => {
    expect(
      what({ code: 'QUOTA_MESSAGES_EXCEEDED', resetsAt: WEEK.resets_at }),
    ).toBe("You have reached today's message limit.");
  });

  it('names another limit that refused: whose, how much, per what', () => {
    const base = {
      code: 'QUOTA_MESSAGES_EXCEEDED' as const,
      resetsAt: WEEK.resets_at,
    };
    expect(what({ ...base, limit: WEEK })).toBe(
      'You have reached your limit of 5 messages a week.',
    );
    expect(what({ ...base, limit: { ...WEEK, model: 'gpt-4o' } })).toBe(
      'You have reached your limit of 5 messages a week on gpt-4o.',
    );
    expect(what({ ...base, code: 'QUOTA_COST_EXCEEDED', limit: POOL })).toBe(
      'Research has used up its shared limit of $200 a month.',
    );
    useLanguage('ru');
    expect(what({ ...base, limit: WEEK })).toBe(
      'Вы достигли своего лимита: 5 сообщений в неделю.',
    );
    expect(what({ ...base, limit: POOL })).toBe(
      'Группа Research израсходовала общий лимит: 200\u00a0$ в месяц.',
    );
  });
});
