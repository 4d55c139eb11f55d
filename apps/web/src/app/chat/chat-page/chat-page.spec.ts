import {
  CHAT,
  QUOTA,
  controllableStream,
  jsonResponse,
  message,
  useChatPage,
  quota,
} from '../../../testing/chat-page';
import { one } from '../../../testing/dom';

describe('ChatPage', () => {
  const page = useChatPage();

  it('streams the answer in as it arrives and takes the quota from the done event', async () => {
    const stream = controllableStream();
    page.fetchFn.mockResolvedValue(stream.response);
    expect(page.header()?.textContent).toContain('3/100 messages');

    await page.type('Hello');
    await page.submit();
    const [url, init] = page.fetchFn.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/chats/c1/messages');
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ content: 'Hello' });
    expect((init.headers as Record<string, string>)['Authorization']).toBe(
      'Bearer token-1',
    );
    expect((init.headers as Record<string, string>)['Accept-Language']).toBe(
      'en',
    );

    stream.send('user_message', message('user', 'Hello'));
    stream.send('delta', { content: 'Hi ' });
    await page.settle();
    const streaming = () =>
      page.el.querySelector('[data-testid="streaming-answer"]');
    expect(streaming()?.textContent).toContain('Hi');
    expect(page.el.querySelector('[data-testid="stop"]')).not.toBeNull();

    stream.send('delta', { content: '**there**' });
    await page.settle();
    expect(streaming()?.querySelector('strong')?.textContent).toBe('there');

    stream.send('done', {
      assistant_message: message('assistant', 'Hi **there**'),
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      quota: quota(4),
    });
    stream.close();
    await page.settle();
    expect(streaming()).toBeNull();
    expect(
      page.el.querySelectorAll('[data-testid="message-assistant"]'),
    ).toHaveLength(1);
    expect(page.header()?.textContent).toContain('4/100 messages');
    expect(page.el.querySelector('[data-testid="send"]')).not.toBeNull();
  });

  it('shows an error event in words and keeps the partial answer', async () => {
    const stream = controllableStream();
    page.fetchFn.mockResolvedValue(stream.response);
    await page.type('Hello');
    await page.submit();
    stream.send('user_message', message('user', 'Hello'));
    stream.send('delta', { content: 'Part' });
    stream.send('error', {
      code: 'AI_PROVIDER_ERROR',
      message: 'upstream 500',
    });
    stream.close();
    await page.settle();
    expect(
      page.el.querySelector('[data-testid="chat-error"]')?.textContent?.trim(),
    ).toBe('The AI service failed to answer. Please try again.');
    const partial = page.el.querySelector('[data-testid="message-assistant"]');
    expect(partial?.getAttribute('data-status')).toBe('error');
    expect(partial?.textContent).toContain('Part');
    page.http.expectOne(QUOTA).flush(quota(4));
  });

  it('keeps keyboard focus in the composer when Send turns into Stop and back', async () => {
    const stream = controllableStream();
    page.fetchFn.mockResolvedValue(stream.response);
    await page.type('Hello');
    const send = one<HTMLButtonElement>(page.el, '[data-testid="send"]');
    send.focus();
    await page.submit();
    expect(document.activeElement).toBe(page.textarea());

    one<HTMLButtonElement>(page.el, '[data-testid="stop"]').focus();
    stream.send('done', {
      assistant_message: message('assistant', 'Hi'),
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      quota: quota(4),
    });
    stream.close();
    await page.settle();
    expect(page.el.querySelector('[data-testid="stop"]')).toBeNull();
    expect(document.activeElement).toBe(page.textarea());
  });

  it('moves focus from a vanished Stop to the quota banner when the composer is shut', async () => {
    let answer!: (response: Response) => void;
    page.fetchFn.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    await page.type('One more');
    await page.submit();
    one<HTMLButtonElement>(page.el, '[data-testid="stop"]').focus();
    answer(
      jsonResponse(429, {
        statusCode: 429,
        code: 'QUOTA_MESSAGES_EXCEEDED',
        message: 'Daily message limit reached',
        quota: quota(100, 100),
      }),
    );
    await page.settle();
    expect(page.textarea().disabled).toBe(true);
    expect(document.activeElement).toBe(page.banner());
  });

  it('Stop aborts the request', async () => {
    const stream = controllableStream();
    page.fetchFn.mockResolvedValue(stream.response);
    await page.type('Tell me a long story');
    await page.submit();
    stream.send('delta', { content: 'Once upon' });
    await page.settle();
    const init = page.fetchFn.mock.calls[0][1] as RequestInit;
    expect(init.signal?.aborted).toBe(false);

    one<HTMLButtonElement>(page.el, '[data-testid="stop"]').click();
    await page.settle();
    expect(init.signal?.aborted).toBe(true);
    expect(
      page.el.querySelector('[data-testid="streaming-answer"]'),
    ).toBeNull();
    const kept = page.el.querySelector('[data-testid="message-assistant"]');
    expect(kept?.getAttribute('data-status')).toBe('cancelled');
    expect(kept?.textContent).toContain('Once upon');
    page.http.expectOne(QUOTA).flush(quota(4));
  });

  it('says in words when too many answers are in progress, without blocking', async () => {
    page.fetchFn.mockResolvedValue(
      jsonResponse(429, {
        statusCode: 429,
        code: 'TOO_MANY_STREAMS',
        message: 'Too many streams',
      }),
    );
    await page.type('Hi');
    await page.submit();
    expect(
      page.el.querySelector('[data-testid="chat-error"]')?.textContent?.trim(),
    ).toBe(
      'Too many answers are in progress at once. Wait for one to finish, then try again.',
    );
    expect(page.banner()).toBeNull();
    expect(page.textarea().disabled).toBe(false);
  });

  describe('a stream cut off before done', () => {
    const lost = 'The connection was lost before the answer finished.';

    async function startAnswer() {
      const stream = controllableStream();
      page.fetchFn.mockResolvedValue(stream.response);
      await page.type('Hello');
      await page.submit();
      stream.send('user_message', message('user', 'Hello'));
      stream.send('delta', { content: 'Half an' });
      await page.settle();
      return stream;
    }

    function expectKeptAsInterrupted(): void {
      expect(
        page.el
          .querySelector('[data-testid="chat-error"]')
          ?.textContent?.trim(),
      ).toBe(lost);
      expect(
        page.el.querySelector('[data-testid="streaming-answer"]'),
      ).toBeNull();
      const users = page.el.querySelectorAll('[data-testid="message-user"]');
      expect(users).toHaveLength(1);
      expect(users[0].textContent).toContain('Hello');
      const partial = page.el.querySelector(
        '[data-testid="message-assistant"]',
      );
      expect(partial?.getAttribute('data-status')).toBe('error');
      expect(partial?.textContent).toContain('Half an');
      // The message went out: it is not handed back to be sent again.
      expect(page.textarea().value).toBe('');
      expect(page.el.querySelector('[data-testid="send"]')).not.toBeNull();
      page.http.expectOne(QUOTA).flush(quota(4));
    }

    it('keeps the message and the partial answer when the body ends without done', async () => {
      const stream = await startAnswer();
      stream.close();
      await page.settle();
      expectKeptAsInterrupted();
    });

    it('keeps the message and the partial answer when the network fails mid-stream', async () => {
      const stream = await startAnswer();
      stream.fail();
      await page.settle();
      expectKeptAsInterrupted();
    });
  });

  it('sends once when Enter is pressed twice quickly', async () => {
    page.fetchFn.mockResolvedValue(controllableStream().response);
    await page.type('Hello');
    const enter = () =>
      page
        .textarea()
        .dispatchEvent(
          new KeyboardEvent('keydown', { key: 'Enter', cancelable: true }),
        );
    enter();
    enter();
    await page.settle();
    expect(page.fetchFn).toHaveBeenCalledTimes(1);
    expect(
      page.el.querySelectorAll('[data-testid="message-user"]'),
    ).toHaveLength(1);
  });

  it('switching chats mid-answer aborts it, opens the other chat and fetches the charged quota', async () => {
    const stream = controllableStream();
    page.fetchFn.mockResolvedValue(stream.response);
    await page.type('Hello');
    await page.submit();
    stream.send('user_message', message('user', 'Hello'));
    stream.send('delta', { content: 'Once' });
    await page.settle();
    const init = page.fetchFn.mock.calls[0][1] as RequestInit;

    page.fixture.componentRef.setInput('id', 'c2');
    await page.settle();
    expect(init.signal?.aborted).toBe(true);
    page.http
      .expectOne('/api/chats/c2')
      .flush({ ...CHAT, id: 'c2', title: 'Other', messages: [] });
    page.http.expectOne(QUOTA).flush(quota(4));
    await page.settle();
    expect(
      page.el.querySelector('[data-testid="streaming-answer"]'),
    ).toBeNull();
    expect(page.el.querySelector('[data-testid="message-user"]')).toBeNull();
    expect(page.el.querySelector('[data-testid="chat-error"]')).toBeNull();
    expect(page.header()?.textContent).toContain('4/100 messages');

    // What the old stream still sends lands nowhere.
    stream.send('delta', { content: ' upon' });
    await page.settle();
    expect(
      page.el.querySelector('[data-testid="streaming-answer"]'),
    ).toBeNull();
  });
});
