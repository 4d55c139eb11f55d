import { TestBed } from '@angular/core/testing';
import type { Quota, QuotaLimit } from '@tally/api-contract';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import {
  counterLevel,
  otherLimits,
  quotaLevel,
  tightestOther,
} from './quota-format';
import { QuotaHeader } from './quota-header';

function quota(
  messagesUsed: number,
  tokensUsed: number,
  messagesLimit = 100,
  tokensLimit = 500_000,
): Quota {
  return {
    messages: {
      used: messagesUsed,
      limit: messagesLimit,
      remaining: Math.max(0, messagesLimit - messagesUsed),
    },
    tokens: {
      used: tokensUsed,
      limit: tokensLimit,
      remaining: Math.max(0, tokensLimit - tokensUsed),
    },
    resets_at: '2026-11-29T00:00:00.000Z',
    timezone: 'UTC',
    model: 'local',
  };
}

let ids = 0;
function limit(extra: Partial<QuotaLimit>): QuotaLimit {
  const base: QuotaLimit = {
    id: `limit-${++ids}`,
    subject: 'everyone',
    subject_id: null,
    subject_name: null,
    metric: 'messages',
    window: 'day',
    model: null,
    shared: false,
    amount: 100,
    used: 0,
    limit: 100,
    remaining: 100,
    resets_at: '2026-11-29T00:00:00.000Z',
  };
  return { ...base, ...extra };
}

/** A quota whose `limits` list its two daily counters, then `others`. */
function withLimits(q: Quota, others: QuotaLimit[]): Quota {
  return {
    ...q,
    limits: [
      limit({
        metric: 'messages',
        used: q.messages.used,
        limit: q.messages.limit,
        remaining: q.messages.remaining,
      }),
      limit({
        metric: 'tokens',
        used: q.tokens.used,
        limit: q.tokens.limit,
        amount: q.tokens.limit,
        remaining: q.tokens.remaining,
      }),
      ...others,
    ],
  };
}

const MONTH_COST = limit({
  subject: 'user',
  subject_id: 'ann',
  subject_name: 'Ann',
  metric: 'cost',
  window: 'month',
  amount: 5_000_000,
  used: 4_100_000,
  limit: 5_000_000,
  remaining: 900_000,
  resets_at: '2026-12-01T00:00:00.000Z',
});
const WEEK_POOL = limit({
  subject: 'group',
  subject_id: 'research',
  subject_name: 'Research',
  shared: true,
  window: 'week',
  amount: 50,
  used: 41,
  limit: 50,
  remaining: 9,
});

function render(q: Quota) {
  const fixture = TestBed.createComponent(QuotaHeader);
  fixture.componentRef.setInput('quota', q);
  fixture.detectChanges();
  const host = fixture.nativeElement as HTMLElement;
  const badge = host.querySelector<HTMLElement>('[data-testid="quota-header"]');
  if (!badge) {
    throw new Error('no quota header rendered');
  }
  return {
    fixture,
    badge,
    text: host.querySelector('[data-testid="quota-text"]')?.textContent?.trim(),
    reset: host
      .querySelector('[data-testid="quota-reset"]')
      ?.textContent?.trim(),
  };
}

describe('QuotaHeader', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: provideTestI18n() });
    useLanguage('en');
  });

  it('at 0 %: plain counts and the neutral colour', () => {
    const { badge, text } = render(quota(0, 0));
    expect(text).toBe('0/100 messages · 0/500K tokens');
    expect(badge.dataset['level']).toBe('ok');
    expect(badge.classList).toContain('level-ok');
    expect(badge.querySelector('app-icon')).toBeNull();
  });

  it('formats tokens compactly, as in "3/100 messages · 12.4K/500K tokens"', () => {
    expect(render(quota(3, 12_400)).text).toBe(
      '3/100 messages · 12.4K/500K tokens',
    );
  });

  it('at 80 % of either limit: the warning colour', () => {
    const messages = render(quota(80, 0));
    expect(messages.text).toBe('80/100 messages · 0/500K tokens');
    expect(messages.badge.dataset['level']).toBe('warn');
    expect(messages.badge.classList).toContain('level-warn');
    // not by colour alone
    expect(
      messages.badge.querySelector<HTMLElement>('app-icon')?.dataset['icon'],
    ).toBe('warning');

    const tokens = render(quota(1, 400_000));
    expect(tokens.badge.dataset['level']).toBe('warn');
    // just under 80 % is not a warning yet
    expect(render(quota(79, 399_999)).badge.dataset['level']).toBe('ok');
  });

  it('at 100 % of either limit: red', () => {
    const messages = render(quota(100, 1_000));
    expect(messages.text).toBe('100/100 messages · 1K/500K tokens');
    expect(messages.badge.dataset['level']).toBe('exceeded');
    expect(messages.badge.classList).toContain('level-exceeded');
    expect(
      messages.badge.querySelector<HTMLElement>('app-icon')?.dataset['icon'],
    ).toBe('block');

    expect(render(quota(5, 500_000)).badge.dataset['level']).toBe('exceeded');
    // a limit of 0 blocks: red at once
    expect(render(quota(0, 0, 0)).badge.dataset['level']).toBe('exceeded');
  });

  it('is focusable and tells the reset time in local time', () => {
    const { badge, reset } = render(quota(3, 10));
    expect(badge.tabIndex).toBe(0);
    const local = new Intl.DateTimeFormat('en', {
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(new Date('2026-11-29T00:00:00.000Z'));
    expect(reset).toBe(`Today's allowance resets on ${local}`);
  });

  it('speaks Russian with the right plural forms and number format', () => {
    useLanguage('ru');
    expect(render(quota(3, 12_400)).text).toBe(
      '3/100 сообщений · 12,4\u00a0тыс./500\u00a0тыс. токенов',
    );
    expect(render(quota(0, 0, 1, 1)).text).toBe('0/1 сообщение · 0/1 токен');
    expect(render(quota(1, 1, 2, 2)).text).toBe('1/2 сообщения · 1/2 токена');
    expect(render(quota(1, 1, 5, 5)).text).toBe('1/5 сообщений · 1/5 токенов');
    expect(render(quota(1, 1, 21, 21)).text).toBe(
      '1/21 сообщение · 1/21 токен',
    );
  });

  it('has a short form for a narrow header, hidden from screen readers, which get the whole sentence', () => {
    useLanguage('ru');
    const { fixture, text } = render(
      withLimits(quota(1, 3_700, 1), [WEEK_POOL]),
    );
    const short = (fixture.nativeElement as HTMLElement).querySelector(
      '[data-testid="quota-short"]',
    );
    expect(short?.getAttribute('aria-hidden')).toBe('true');
    expect(short?.textContent?.trim()).toBe(
      '1/1 сообщ. · 3,7\u00a0тыс./500\u00a0тыс. ток. · 41/50 сообщ. на этой неделе',
    );
    expect(text).toBe(
      '1/1 сообщение · 3,7\u00a0тыс./500\u00a0тыс. токенов · 41/50 сообщений на этой неделе',
    );
    useLanguage('en');
    fixture.detectChanges();
    expect(short?.textContent?.trim()).toBe(
      '1/1 message · 3.7K/500K tokens · 41/50 messages this week',
    );
  });

  it('updates when a new quota comes in', () => {
    const { fixture, badge } = render(quota(79, 0));
    expect(badge.dataset['level']).toBe('ok');
    fixture.componentRef.setInput('quota', quota(100, 0));
    fixture.detectChanges();
    expect(badge.dataset['level']).toBe('exceeded');
  });
});

describe('QuotaHeader with more limits than the two daily ones', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: provideTestI18n() });
    useLanguage('en');
  });

  it('keeps the seed text while every other limit is below 80 %', () => {
    const { text, badge } = render(
      withLimits(quota(3, 12_400), [
        { ...MONTH_COST, used: 3_990_000, remaining: 1_010_000 },
      ]),
    );
    expect(text).toBe('3/100 messages · 12.4K/500K tokens');
    expect(badge.dataset['level']).toBe('ok');
  });

  it('adds the tightest other limit from 80 %: "· $4.10/$5 this month", amber', () => {
    const { text, badge, fixture } = render(
      withLimits(quota(3, 12_400), [MONTH_COST]),
    );
    expect(text).toBe(
      '3/100 messages · 12.4K/500K tokens · $4.10/$5 this month',
    );
    expect(badge.dataset['level']).toBe('warn');
    const extraReset = (fixture.nativeElement as HTMLElement)
      .querySelector('[data-testid="quota-extra-reset"]')
      ?.textContent?.trim();
    expect(extraReset).toMatch(/^Your limit: resets on /);
  });

  it('picks the limit closest to its end, and names a pool in the reset text', () => {
    // the pool at 90 % beats the month at 82 %
    const { text, fixture } = render(
      withLimits(quota(3, 0), [
        MONTH_COST,
        { ...WEEK_POOL, used: 45, remaining: 5 },
      ]),
    );
    expect(text).toBe(
      '3/100 messages · 0/500K tokens · 45/50 messages this week',
    );
    expect(
      (fixture.nativeElement as HTMLElement)
        .querySelector('[data-testid="quota-extra-reset"]')
        ?.textContent?.trim(),
    ).toMatch(/^Research together: resets on /);
  });

  it('turns red when the other limit is used up, even with the daily ones far from it', () => {
    const { text, badge } = render(
      withLimits(quota(3, 0), [{ ...WEEK_POOL, used: 50, remaining: 0 }]),
    );
    expect(text).toBe(
      '3/100 messages · 0/500K tokens · 50/50 messages this week',
    );
    expect(badge.dataset['level']).toBe('exceeded');
  });

  it('at $4.995 of $5: red, "$4.99/$5", never "$5.00/$5" in amber', () => {
    const { text, badge } = render(
      withLimits(quota(3, 0), [
        { ...MONTH_COST, used: 4_995_000, remaining: 5_000, exhausted: true },
      ]),
    );
    expect(text).toBe('3/100 messages · 0/500K tokens · $4.99/$5 this month');
    expect(badge.dataset['level']).toBe('exceeded');
    useLanguage('ru');
    expect(
      render(
        withLimits(quota(3, 0), [
          { ...MONTH_COST, used: 4_995_000, remaining: 5_000, exhausted: true },
        ]),
      ).text,
    ).toBe(
      '3/100 сообщений · 0/500\u00a0тыс. токенов · 4,99\u00a0$/5\u00a0$ в этом месяце',
    );
  });

  it('turns red when a daily counter is exhausted with a token still left', () => {
    const q = withLimits(quota(3, 499_999), []);
    const tokens = q.limits?.find((l) => l.metric === 'tokens');
    if (tokens) {
      tokens.exhausted = true;
    }
    expect(render(q).badge.dataset['level']).toBe('exceeded');
    expect(quotaLevel(q)).toBe('exceeded');
  });

  it('says it in Russian with the right plural forms', () => {
    useLanguage('ru');
    expect(
      render(withLimits(quota(3, 0, 100, 500_000), [WEEK_POOL])).text,
    ).toBe(
      '3/100 сообщений · 0/500\u00a0тыс. токенов · 41/50 сообщений на этой неделе',
    );
    expect(render(withLimits(quota(3, 0), [MONTH_COST])).text).toBe(
      '3/100 сообщений · 0/500\u00a0тыс. токенов · 4,10\u00a0$/5\u00a0$ в этом месяце',
    );
  });
});

describe('other limits', () => {
  it('leaves out only the two daily counters, not a daily cap on one model or a daily pool', () => {
    const modelDay = limit({ model: 'gpt-4o', amount: 10, limit: 10 });
    const poolDay = limit({ shared: true, subject: 'everyone' });
    const q = withLimits(quota(0, 0), [modelDay, poolDay]);
    expect(otherLimits(q)).toEqual([modelDay, poolDay]);
  });

  it('is nothing without a limits list (an older API)', () => {
    expect(tightestOther(quota(99, 0))).toBeNull();
  });
});

describe('quota levels', () => {
  it('counts a counter with nothing remaining (tokens held by running answers) as reached', () => {
    expect(counterLevel({ used: 10, limit: 100, remaining: 0 })).toBe(
      'exceeded',
    );
  });

  it('takes the worse of the two counters', () => {
    expect(quotaLevel(quota(85, 500_000))).toBe('exceeded');
    expect(quotaLevel(quota(85, 0))).toBe('warn');
  });
});
