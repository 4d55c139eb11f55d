import { TestBed } from '@angular/core/testing';
import { AuthStore } from '../../core/auth/auth.store';
import {
  CHAT,
  NOW,
  QUOTA,
  jsonResponse,
  useChatPage,
  quota,
} from '../../../testing/chat-page';
import { useLanguage } from '../../../testing/i18n';

describe('ChatPage: quota', () => {
  const page = useChatPage();

  it('on a quota 429: a banner says which limit and when it resets; the input comes back by itself then', async () => {
    const resetsAt = new Date(NOW.getTime() + 90_000).toISOString();
    page.fetchFn.mockResolvedValue(
      jsonResponse(
        429,
        {
          statusCode: 429,
          error: 'Too Many Requests',
          code: 'QUOTA_MESSAGES_EXCEEDED',
          message: 'Daily message limit reached',
          quota: quota(100, 100, resetsAt),
        },
        { 'Retry-After': '90' },
      ),
    );
    await page.type('One more');
    await page.submit();

    const local = new Intl.DateTimeFormat('en', {
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(new Date(resetsAt));
    expect(page.banner()?.textContent).toContain(
      "You have reached today's message limit.",
    );
    expect(page.banner()?.textContent).toContain(
      `It resets on ${local} (in 2 minutes)`,
    );
    expect(page.textarea().disabled).toBe(true);
    expect(page.textarea().value).toBe('One more'); // the message is not lost
    expect(page.header()?.getAttribute('data-level')).toBe('exceeded');

    await page.settle(60_000);
    expect(page.banner()?.textContent).toContain('(in 30 seconds)');
    expect(page.textarea().disabled).toBe(true);

    await page.settle(30_000);
    expect(page.banner()).toBeNull();
    expect(page.textarea().disabled).toBe(false);
    // and the fresh allowance is fetched
    page.http.expectOne(QUOTA).flush(quota(0, 100, '2026-11-30T00:00:00.000Z'));
    await page.settle();
    expect(page.header()?.getAttribute('data-level')).toBe('ok');
  });

  it('keeps the composer shut in another chat until the reset, and opens it on logout', async () => {
    const resetsAt = new Date(NOW.getTime() + 3600_000).toISOString();
    page.fetchFn.mockResolvedValue(
      jsonResponse(429, {
        statusCode: 429,
        code: 'QUOTA_MESSAGES_EXCEEDED',
        message: 'Daily message limit reached',
        quota: quota(100, 100, resetsAt),
      }),
    );
    await page.type('One more');
    await page.submit();
    expect(page.textarea().disabled).toBe(true);

    page.fixture.componentRef.setInput('id', 'c2');
    await page.settle();
    page.http.expectOne('/api/chats/c2').flush({ ...CHAT, id: 'c2' });
    await page.settle();
    expect(page.banner()).not.toBeNull();
    expect(page.textarea().disabled).toBe(true);

    TestBed.inject(AuthStore).logout();
    await page.settle();
    expect(page.banner()).toBeNull();
    expect(page.textarea().disabled).toBe(false);
  });

  it('names the token limit, in Russian', async () => {
    useLanguage('ru');
    page.fetchFn.mockResolvedValue(
      jsonResponse(429, {
        statusCode: 429,
        code: 'QUOTA_TOKENS_EXCEEDED',
        message: 'Daily token limit reached',
        quota: quota(
          5,
          100,
          new Date(NOW.getTime() + 3 * 3600_000).toISOString(),
        ),
      }),
    );
    await page.type('Ещё');
    await page.submit();
    const [, init] = page.fetchFn.mock.calls[0] as [string, RequestInit];
    // The built-in model answers in the language of the page.
    expect((init.headers as Record<string, string>)['Accept-Language']).toBe(
      'ru',
    );
    expect(page.banner()?.textContent).toContain(
      'Дневной лимит токенов исчерпан.',
    );
    expect(page.banner()?.textContent).toContain('через 3 часа');
    expect(page.textarea().disabled).toBe(true);
  });
});
