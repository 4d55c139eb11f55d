import {
  CHAT,
  type ChatPageHarness,
  QUOTA,
  closeChatPage,
  controllableStream,
  jsonResponse,
  message,
  openChatPage,
  quota,
} from '../../../testing/chat-page';
import { one } from '../../../testing/dom';

describe('ChatPage', () => {
  let page: ChatPageHarness;
  let fixture: ChatPageHarness['fixture'];
  let el: HTMLElement;
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
      el,
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

  it('streams the answer in as it arrives and takes the quota from the done event', async () => {
    const stream = controllableStream();
    fetchFn.mockResolvedValue(stream.response);
    expect(header()?.textContent).toContain('3/100 messages');

    await type('Hello');
    await submit();
    const [url, init] = fetchFn.mock.calls[0] as [string, RequestInit];
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
    await settle();
    const streaming = () =>
      el.querySelector('[data-testid="streaming-answer"]');
    expect(streaming()?.textContent).toContain('Hi');
    expect(el.querySelector('[data-testid="stop"]')).not.toBeNull();

    stream.send('delta', { content: '**there**' });
    await settle();
    expect(streaming()?.querySelector('strong')?.textContent).toBe('there');

    stream.send('done', {
      assistant_message: message('assistant', 'Hi **there**'),
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      quota: quota(4),
    });
    stream.close();
    await settle();
    expect(streaming()).toBeNull();
    expect(
      el.querySelectorAll('[data-testid="message-assistant"]'),
    ).toHaveLength(1);
    expect(header()?.textContent).toContain('4/100 messages');
    expect(el.querySelector('[data-testid="send"]')).not.toBeNull();
  });

  it('shows an error event in words and keeps the partial answer', async () => {
    const stream = controllableStream();
    fetchFn.mockResolvedValue(stream.response);
    await type('Hello');
    await submit();
    stream.send('user_message', message('user', 'Hello'));
    stream.send('delta', { content: 'Part' });
    stream.send('error', {
      code: 'AI_PROVIDER_ERROR',
      message: 'upstream 500',
    });
    stream.close();
    await settle();
    expect(
      el.querySelector('[data-testid="chat-error"]')?.textContent?.trim(),
    ).toBe('The AI service failed to answer. Please try again.');
    const partial = el.querySelector('[data-testid="message-assistant"]');
    expect(partial?.getAttribute('data-status')).toBe('error');
    expect(partial?.textContent).toContain('Part');
    http.expectOne(QUOTA).flush(quota(4));
  });

  it('keeps keyboard focus in the composer when Send turns into Stop and back', async () => {
    const stream = controllableStream();
    fetchFn.mockResolvedValue(stream.response);
    await type('Hello');
    const send = one<HTMLButtonElement>(el, '[data-testid="send"]');
    send.focus();
    await submit();
    expect(document.activeElement).toBe(textarea());

    one<HTMLButtonElement>(el, '[data-testid="stop"]').focus();
    stream.send('done', {
      assistant_message: message('assistant', 'Hi'),
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      quota: quota(4),
    });
    stream.close();
    await settle();
    expect(el.querySelector('[data-testid="stop"]')).toBeNull();
    expect(document.activeElement).toBe(textarea());
  });

  it('moves focus from a vanished Stop to the quota banner when the composer is shut', async () => {
    let answer!: (response: Response) => void;
    fetchFn.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    await type('One more');
    await submit();
    one<HTMLButtonElement>(el, '[data-testid="stop"]').focus();
    answer(
      jsonResponse(429, {
        statusCode: 429,
        code: 'QUOTA_MESSAGES_EXCEEDED',
        message: 'Daily message limit reached',
        quota: quota(100, 100),
      }),
    );
    await settle();
    expect(textarea().disabled).toBe(true);
    expect(document.activeElement).toBe(banner());
  });

  it('Stop aborts the request', async () => {
    const stream = controllableStream();
    fetchFn.mockResolvedValue(stream.response);
    await type('Tell me a long story');
    await submit();
    stream.send('delta', { content: 'Once upon' });
    await settle();
    const init = fetchFn.mock.calls[0][1] as RequestInit;
    expect(init.signal?.aborted).toBe(false);

    one<HTMLButtonElement>(el, '[data-testid="stop"]').click();
    await settle();
    expect(init.signal?.aborted).toBe(true);
    expect(el.querySelector('[data-testid="streaming-answer"]')).toBeNull();
    const kept = el.querySelector('[data-testid="message-assistant"]');
    expect(kept?.getAttribute('data-status')).toBe('cancelled');
    expect(kept?.textContent).toContain('Once upon');
    http.expectOne(QUOTA).flush(quota(4));
  });

  it('says in words when too many answers are in progress, without blocking', async () => {
    fetchFn.mockResolvedValue(
      jsonResponse(429, {
        statusCode: 429,
        code: 'TOO_MANY_STREAMS',
        message: 'Too many streams',
      }),
    );
    await type('Hi');
    await submit();
    expect(
      el.querySelector('[data-testid="chat-error"]')?.textContent?.trim(),
    ).toBe(
      'Too many answers are in progress at once. Wait for one to finish, then try again.',
    );
    expect(banner()).toBeNull();
    expect(textarea().disabled).toBe(false);
  });

  describe('a stream cut off before done', () => {
    const lost = 'The connection was lost before the answer finished.';

    async function startAnswer() {
      const stream = controllableStream();
      fetchFn.mockResolvedValue(stream.response);
      await type('Hello');
      await submit();
      stream.send('user_message', message('user', 'Hello'));
      stream.send('delta', { content: 'Half an' });
      await settle();
      return stream;
    }

    function expectKeptAsInterrupted(): void {
      expect(
        el.querySelector('[data-testid="chat-error"]')?.textContent?.trim(),
      ).toBe(lost);
      expect(el.querySelector('[data-testid="streaming-answer"]')).toBeNull();
      const users = el.querySelectorAll('[data-testid="message-user"]');
      expect(users).toHaveLength(1);
      expect(users[0].textContent).toContain('Hello');
      const partial = el.querySelector('[data-testid="message-assistant"]');
      expect(partial?.getAttribute('data-status')).toBe('error');
      expect(partial?.textContent).toContain('Half an');
      // The message went out: it is not handed back to be sent again.
      expect(textarea().value).toBe('');
      expect(el.querySelector('[data-testid="send"]')).not.toBeNull();
      http.expectOne(QUOTA).flush(quota(4));
    }

    it('keeps the message and the partial answer when the body ends without done', async () => {
      const stream = await startAnswer();
      stream.close();
      await settle();
      expectKeptAsInterrupted();
    });

    it('keeps the message and the partial answer when the network fails mid-stream', async () => {
      const stream = await startAnswer();
      stream.fail();
      await settle();
      expectKeptAsInterrupted();
    });
  });

  it('sends once when Enter is pressed twice quickly', async () => {
    fetchFn.mockResolvedValue(controllableStream().response);
    await type('Hello');
    const enter = () =>
      textarea().dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Enter', cancelable: true }),
      );
    enter();
    enter();
    await settle();
    expect(fetchFn).toHaveBeenCalledTimes(1);
    expect(el.querySelectorAll('[data-testid="message-user"]')).toHaveLength(1);
  });

  it('switching chats mid-answer aborts it, opens the other chat and fetches the charged quota', async () => {
    const stream = controllableStream();
    fetchFn.mockResolvedValue(stream.response);
    await type('Hello');
    await submit();
    stream.send('user_message', message('user', 'Hello'));
    stream.send('delta', { content: 'Once' });
    await settle();
    const init = fetchFn.mock.calls[0][1] as RequestInit;

    fixture.componentRef.setInput('id', 'c2');
    await settle();
    expect(init.signal?.aborted).toBe(true);
    http
      .expectOne('/api/chats/c2')
      .flush({ ...CHAT, id: 'c2', title: 'Other', messages: [] });
    http.expectOne(QUOTA).flush(quota(4));
    await settle();
    expect(el.querySelector('[data-testid="streaming-answer"]')).toBeNull();
    expect(el.querySelector('[data-testid="message-user"]')).toBeNull();
    expect(el.querySelector('[data-testid="chat-error"]')).toBeNull();
    expect(header()?.textContent).toContain('4/100 messages');

    // What the old stream still sends lands nowhere.
    stream.send('delta', { content: ' upon' });
    await settle();
    expect(el.querySelector('[data-testid="streaming-answer"]')).toBeNull();
  });
});
