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
import { authInterceptor } from '../app/core/auth/auth.interceptor';
import { STORAGE_KEYS } from '../app/core/storage';
import { ChatPage } from '../app/chat/chat-page/chat-page';
import {
  ChatApi,
  type FetchFn,
} from '../app/chat/data-access/chat-api.service';
import { one } from './dom';
import { provideTestI18n, useLanguage } from './i18n';

export const NOW = new Date('2026-11-28T12:00:00.000Z');
export const CHAT: ChatWithMessages = {
  id: 'c1',
  title: 'Greetings',
  model: 'local',
  created_at: NOW.toISOString(),
  updated_at: NOW.toISOString(),
  messages: [],
};

export const QUOTA = '/api/chats/quota?model=local';

export function model(
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

export const MODELS: ModelInfoList = {
  items: [
    model('local', 'Local', 0, 0),
    model('gpt-4o-mini', 'GPT-4o mini', 0.15, 0.6),
  ],
  default_model: 'local',
};

export function quota(
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

export function message(role: 'user' | 'assistant', content: string): Message {
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

export function jsonResponse(
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
export function controllableStream() {
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

/** The chat page on `/chats/c1` with its models, messages and quota loaded; time is faked. */
export interface ChatPageHarness {
  fixture: ComponentFixture<ChatPage>;
  el: HTMLElement;
  http: HttpTestingController;
  /** What the send's streaming request goes through. */
  fetchFn: Mock<FetchFn>;
  textarea: () => HTMLTextAreaElement;
  banner: () => HTMLElement | null;
  header: () => HTMLElement | null;
  /**
   * Time passes; the view, its effects and the timers they start catch up.
   * (An effect run by the scheduler inside a fake timer starts its own
   * zero-delay timers a millisecond later: hence the last step.)
   */
  settle: (ms?: number) => Promise<void>;
  type: (text: string) => Promise<void>;
  /** Clicks Send. */
  submit: () => Promise<void>;
}

/** Opens the chat page (call in `beforeEach`; `closeChatPage` in `afterEach`). */
export async function openChatPage(): Promise<ChatPageHarness> {
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
  const http = TestBed.inject(HttpTestingController);
  const fetchFn = vi.fn<FetchFn>();
  TestBed.inject(ChatApi).fetchFn = fetchFn;

  const fixture = TestBed.createComponent(ChatPage);
  fixture.componentRef.setInput('id', 'c1');
  const el = fixture.nativeElement as HTMLElement;

  const textarea = () =>
    one<HTMLTextAreaElement>(el, '[data-testid="composer"]');
  const settle = async (ms = 0): Promise<void> => {
    await vi.advanceTimersByTimeAsync(ms);
    fixture.detectChanges();
    await vi.advanceTimersByTimeAsync(0);
    fixture.detectChanges();
    await vi.advanceTimersByTimeAsync(1);
    fixture.detectChanges();
  };
  const page: ChatPageHarness = {
    fixture,
    el,
    http,
    fetchFn,
    textarea,
    banner: () => el.querySelector<HTMLElement>('[data-testid="quota-banner"]'),
    header: () => el.querySelector<HTMLElement>('[data-testid="quota-header"]'),
    settle,
    type: async (text) => {
      textarea().value = text;
      textarea().dispatchEvent(new Event('input'));
      await settle();
    },
    submit: async () => {
      one<HTMLButtonElement>(el, '[data-testid="send"]').click();
      await settle();
    },
  };

  fixture.detectChanges();
  await settle();
  http.expectOne('/api/models').flush(MODELS);
  http.expectOne('/api/chats/c1').flush(CHAT);
  await settle();
  http.expectOne(QUOTA).flush(quota(3));
  await settle();
  return page;
}

export function closeChatPage(page: ChatPageHarness): void {
  page.fixture.destroy();
  vi.useRealTimers();
}

/**
 * The chat page, opened before each test of the suite and closed after it:
 * `const page = useChatPage();` at the top of a `describe`.
 */
export function useChatPage(): ChatPageHarness {
  const page = {} as ChatPageHarness;
  beforeEach(async () => {
    Object.assign(page, await openChatPage());
  });
  afterEach(() => closeChatPage(page));
  return page;
}
