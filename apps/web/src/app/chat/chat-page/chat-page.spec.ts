import { provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { provideZonelessChangeDetection } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type {
  ChatWithMessages,
  Message,
  ModelInfo,
  ModelInfoList,
  Quota,
} from '@tally/api-contract';
import type { Mock } from 'vitest';
import { provideTestI18n, useLanguage } from '../../../testing/i18n';
import { authInterceptor } from '../../core/auth/auth.interceptor';
import { AuthStore } from '../../core/auth/auth.store';
import { STORAGE_KEYS } from '../../core/storage';
import { ChatApi, type FetchFn } from '../data-access/chat-api.service';
import { ChatPage } from './chat-page';
import { one } from '../../../testing/dom';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const CHAT: ChatWithMessages = {
  id: 'c1',
  title: 'Greetings',
  model: 'local',
  created_at: NOW.toISOString(),
  updated_at: NOW.toISOString(),
  messages: [],
};

const QUOTA = '/api/chats/quota?model=local';

function model(
  id: string,
  name: string,
  input_price: number,
  output_price: number,
): ModelInfo {
  return {
    id,
    name,
    enabled: true,
    input_price,
    output_price,
    max_output_tokens: 1024,
    context_tokens: 8192,
    created_at: NOW.toISOString(),
    updated_at: NOW.toISOString(),
  };
}

const MODELS: ModelInfoList = {
  items: [
    model('local', 'Local', 0, 0),
    model('gpt-4o-mini', 'GPT-4o mini', 0.15, 0.6),
  ],
  default_model: 'local',
};

function quota(
  used: number,
  limit = 100,
  resetsAt = '2026-11-29T00:00:00.000Z',
): Quota {
  return {
    messages: { used, limit, remaining: Math.max(0, limit - used) },
    tokens: {
      used: used * 100,
      limit: 500_000,
      remaining: 500_000 - used * 100,
    },
    resets_at: resetsAt,
    timezone: 'UTC',
    model: 'local',
  };
}

function message(role: 'user' | 'assistant', content: string): Message {
  return {
    id: `${role}-1`,
    chat_id: 'c1',
    role,
    content,
    status: 'complete',
    prompt_tokens: null,
    completion_tokens: null,
    model: role === 'assistant' ? 'local' : null,
    cost: role === 'assistant' ? 0 : null,
    created_at: NOW.toISOString(),
  };
}

function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** An event-stream body the test writes to piece by piece. */
function controllableStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => (controller = c),
  });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, {
      status: 200,
      headers: { 'Content-Type': 'text/event-stream' },
    }),
    send: (event: string, data: unknown) =>
      controller.enqueue(
        encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
      ),
    close: () => controller.close(),
    /** The connection breaks, as a network error does. */
    fail: () => controller.error(new TypeError('network error')),
  };
}

describe('ChatPage', () => {
  let fixture: ComponentFixture<ChatPage>;
  let http: HttpTestingController;
  let fetchFn: Mock<FetchFn>;
  let el: HTMLElement;

  const textarea = () =>
    el.querySelector<HTMLTextAreaElement>('[data-testid="composer"]')!;
  const banner = () =>
    el.querySelector<HTMLElement>('[data-testid="quota-banner"]');
  const header = () =>
    el.querySelector<HTMLElement>('[data-testid="quota-header"]');

  /**
   * Time passes; the view, its effects and the timers they start catch up.
   * (An effect run by the scheduler inside a fake timer starts its own
   * zero-delay timers a millisecond later: hence the last step.)
   */
  async function settle(ms = 0): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
    fixture.detectChanges();
    await vi.advanceTimersByTimeAsync(0);
    fixture.detectChanges();
    await vi.advanceTimersByTimeAsync(1);
    fixture.detectChanges();
  }

  async function type(text: string): Promise<void> {
    textarea().value = text;
    textarea().dispatchEvent(new Event('input'));
    await settle();
  }

  async function submit(): Promise<void> {
    el.querySelector<HTMLButtonElement>('[data-testid="send"]')!.click();
    await settle();
  }

  beforeEach(async () => {
    vi.useFakeTimers({
      now: NOW,
      toFake: [
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'Date',
      ],
    });
    localStorage.clear();
    localStorage.setItem(STORAGE_KEYS.token, 'token-1');
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([{ path: 'login', children: [] }]),
        provideTestI18n(),
      ],
    });
    useLanguage('en');
    http = TestBed.inject(HttpTestingController);
    fetchFn = vi.fn<FetchFn>();
    TestBed.inject(ChatApi).fetchFn = fetchFn;

    fixture = TestBed.createComponent(ChatPage);
    fixture.componentRef.setInput('id', 'c1');
    el = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
    await settle();
    http.expectOne('/api/models').flush(MODELS);
    http.expectOne('/api/chats/c1').flush(CHAT);
    await settle();
    http.expectOne(QUOTA).flush(quota(3));
    await settle();
  });

  afterEach(() => {
    fixture.destroy();
    vi.useRealTimers();
  });

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

    el.querySelector<HTMLButtonElement>('[data-testid="stop"]')!.click();
    await settle();
    expect(init.signal?.aborted).toBe(true);
    expect(el.querySelector('[data-testid="streaming-answer"]')).toBeNull();
    const kept = el.querySelector('[data-testid="message-assistant"]');
    expect(kept?.getAttribute('data-status')).toBe('cancelled');
    expect(kept?.textContent).toContain('Once upon');
    http.expectOne(QUOTA).flush(quota(4));
  });

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

  describe('models', { timeout: 20_000 }, () => {
    const picker = () => one<HTMLElement>(el, '[data-testid="model-picker"]');
    const pickerValue = () =>
      el
        .querySelector('[data-testid="model-picker-value"]')
        ?.textContent?.trim();
    const options = () => [
      ...document.querySelectorAll<HTMLElement>('[data-testid="model-option"]'),
    ];

    async function openPicker(): Promise<void> {
      one<HTMLElement>(picker(), '.mat-mdc-select-trigger').click();
      await settle();
    }

    async function pick(id: string): Promise<void> {
      await openPicker();
      one<HTMLElement>(document, `[data-model="${id}"]`).click();
      await settle();
    }

    function answer(cost: number, modelId: string): Message {
      return { ...message('assistant', 'Hi'), model: modelId, cost };
    }

    afterEach(() => {
      document.querySelector('.cdk-overlay-container')?.remove();
    });

    it("offers the enabled models with their prices, the chat's model chosen", async () => {
      expect(pickerValue()).toBe('Local');
      await openPicker();
      expect(
        options().map((o) => [
          o.querySelector('.name')?.textContent?.trim(),
          o.querySelector('[data-testid="model-price"]')?.textContent?.trim(),
        ]),
      ).toEqual([
        ['Local', 'Free'],
        ['GPT-4o mini', '$0.15 in · $0.60 out per 1M tokens'],
      ]);
    });

    it("sets the chat's model, asks for its quota, and holds Send until the change is stored", async () => {
      await type('Hello');
      await pick('gpt-4o-mini');
      const patch = http.expectOne('/api/chats/c1');
      expect(patch.request.method).toBe('PATCH');
      expect(patch.request.body).toEqual({ model: 'gpt-4o-mini' });
      expect(one<HTMLButtonElement>(el, '[data-testid="send"]').disabled).toBe(
        true,
      );
      patch.flush({ ...CHAT, model: 'gpt-4o-mini' });
      await settle();
      http
        .expectOne('/api/chats/quota?model=gpt-4o-mini')
        .flush({ ...quota(3), model: 'gpt-4o-mini' });
      expect(pickerValue()).toBe('GPT-4o mini');
      expect(one<HTMLButtonElement>(el, '[data-testid="send"]').disabled).toBe(
        false,
      );
    });

    it('puts the model back and says why when the pick is refused', async () => {
      await pick('gpt-4o-mini');
      http.expectOne('/api/chats/c1').flush(
        {
          statusCode: 400,
          error: 'Bad Request',
          code: 'UNKNOWN_MODEL',
          message: 'unknown model',
        },
        { status: 400, statusText: 'Bad Request' },
      );
      await settle();
      expect(pickerValue()).toBe('Local');
      expect(
        el.querySelector('[data-testid="chat-error"]')?.textContent?.trim(),
      ).toBe('This model is not available. Choose another one.');
      // the list is loaded again: the model may have gone
      http.expectOne('/api/models').flush({
        ...MODELS,
        items: [MODELS.items[0]],
      });
    });

    it('shows the cost of answers from a priced model, and none for a free one', async () => {
      for (const [cost, modelId] of [
        [0, 'local'],
        [1234, 'gpt-4o-mini'],
      ] as const) {
        const stream = controllableStream();
        fetchFn.mockResolvedValue(stream.response);
        await type('Hello');
        await submit();
        stream.send('done', {
          assistant_message: { ...answer(cost, modelId), id: `a-${modelId}` },
          usage: {
            prompt_tokens: 5,
            completion_tokens: 3,
            total_tokens: 8,
            cost,
          },
          quota: quota(4),
        });
        stream.close();
        await settle();
      }
      const answers = el.querySelectorAll('[data-testid="message-assistant"]');
      expect(answers).toHaveLength(2);
      expect(
        answers[0].querySelector('[data-testid="message-cost"]'),
      ).toBeNull();
      expect(
        answers[0]
          .querySelector('[data-testid="message-model"]')
          ?.textContent?.trim(),
      ).toBe('Local');
      expect(
        answers[1]
          .querySelector('[data-testid="message-cost"]')
          ?.textContent?.trim(),
      ).toBe('Cost: $0.001234');

      useLanguage('ru');
      await settle();
      expect(
        answers[1]
          .querySelector('[data-testid="message-cost"]')
          ?.textContent?.trim(),
      ).toBe('Стоимость: 0,001234\u00a0$');
    });

    it('creates a new chat with the model picked for it', async () => {
      fixture.componentRef.setInput('id', undefined);
      await settle();
      http.expectOne('/api/chats/quota').flush(quota(3));
      expect(pickerValue()).toBe('Local'); // the default
      await pick('gpt-4o-mini');
      http.expectNone('/api/chats/c1');
      http.expectOne('/api/chats/quota?model=gpt-4o-mini').flush(quota(3));

      fetchFn.mockResolvedValue(controllableStream().response);
      await type('Hello there');
      await submit();
      const create = http.expectOne('/api/chats');
      expect(create.request.method).toBe('POST');
      expect(create.request.body).toEqual({
        title: 'Hello there',
        model: 'gpt-4o-mini',
      });
    });

    it('a new chat left alone gets the default model', async () => {
      fixture.componentRef.setInput('id', undefined);
      await settle();
      http.expectOne('/api/chats/quota').flush(quota(3));
      fetchFn.mockResolvedValue(controllableStream().response);
      await type('Hello');
      await submit();
      expect(http.expectOne('/api/chats').request.body).toEqual({
        title: 'Hello',
      });
    });

    it("says so when the chat's model went away, and counts the default's quota", async () => {
      fixture.componentRef.setInput('id', 'c2');
      await settle();
      http
        .expectOne('/api/chats/c2')
        .flush({ ...CHAT, id: 'c2', model: 'retired' });
      await settle();
      http.expectOne('/api/chats/quota').flush(quota(3));
      expect(pickerValue()).toBe('Local');
      expect(
        el.querySelector('[data-testid="model-missing"]')?.textContent?.trim(),
      ).toBe(
        "This chat's model “retired” is no longer available: answers come from the default model.",
      );
    });
  });
});
