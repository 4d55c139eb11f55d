import { TestBed } from '@angular/core/testing';
import { AuthStore } from '../../core/auth/auth.store';
import {
  CHAT,
  type ChatPageHarness,
  NOW,
  QUOTA,
  closeChatPage,
  jsonResponse,
  openChatPage,
  quota,
} from '../../../testing/chat-page';
import { useLanguage } from '../../../testing/i18n';

describe('ChatPage: quota', () => {
  let page: ChatPageHarness;
  let fixture: ChatPageHarness['fixture'];
  let http: ChatPageHarness['http'];
  let fetchFn: ChatPageHarness['fetchFn'];
  let textarea: ChatPageHarness['textarea'];
  let banner: ChatPageHarness['banner'];
  let header: ChatPageHarness['header'];
  let settle: ChatPageHarness['settle'];
  let type: ChatPageHarness['type'];
  let submit: ChatPageHarness['submit'];

  beforeEach(async () => {
    page = await openChatPage();
    ({
      fixture,
      http,
      fetchFn,
      textarea,
      banner,
      header,
      settle,
      type,
      submit,
    } = page);
  });

  afterEach(() => closeChatPage(page));

  it('on a quota 429: a banner says which limit and when it resets; the input comes back by itself then', async () => {
    const resetsAt = new Date(NOW.getTime() + 90_000).toISOString();
    fetchFn.mockResolvedValue(
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
    await type('One more');
    await submit();

    const local = new Intl.DateTimeFormat('en', {
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(new Date(resetsAt));
    expect(banner()?.textContent).toContain(
      "You have reached today's message limit.",
    );
    expect(banner()?.textContent).toContain(
      `It resets on ${local} (in 2 minutes)`,
    );
    expect(textarea().disabled).toBe(true);
    expect(textarea().value).toBe('One more'); // the message is not lost
    expect(header()?.getAttribute('data-level')).toBe('exceeded');

    await settle(60_000);
    expect(banner()?.textContent).toContain('(in 30 seconds)');
    expect(textarea().disabled).toBe(true);

    await settle(30_000);
    expect(banner()).toBeNull();
    expect(textarea().disabled).toBe(false);
    // and the fresh allowance is fetched
    http.expectOne(QUOTA).flush(quota(0, 100, '2026-11-30T00:00:00.000Z'));
    await settle();
    expect(header()?.getAttribute('data-level')).toBe('ok');
  });

  it('keeps the composer shut in another chat until the reset, and opens it on logout', async () => {
    const resetsAt = new Date(NOW.getTime() + 3600_000).toISOString();
    fetchFn.mockResolvedValue(
      jsonResponse(429, {
        statusCode: 429,
        code: 'QUOTA_MESSAGES_EXCEEDED',
        message: 'Daily message limit reached',
        quota: quota(100, 100, resetsAt),
      }),
    );
    await type('One more');
    await submit();
    expect(textarea().disabled).toBe(true);

    fixture.componentRef.setInput('id', 'c2');
    await settle();
    http.expectOne('/api/chats/c2').flush({ ...CHAT, id: 'c2' });
    await settle();
    expect(banner()).not.toBeNull();
    expect(textarea().disabled).toBe(true);

    TestBed.inject(AuthStore).logout();
    await settle();
    expect(banner()).toBeNull();
    expect(textarea().disabled).toBe(false);
  });

  it('names the token limit, in Russian', async () => {
    useLanguage('ru');
    fetchFn.mockResolvedValue(
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
    await type('Ещё');
    await submit();
    const [, init] = fetchFn.mock.calls[0] as [string, RequestInit];
    // The built-in model answers in the language of the page.
    expect((init.headers as Record<string, string>)['Accept-Language']).toBe(
      'ru',
    );
    expect(banner()?.textContent).toContain('Дневной лимит токенов исчерпан.');
    expect(banner()?.textContent).toContain('через 3 часа');
    expect(textarea().disabled).toBe(true);
  });
});
