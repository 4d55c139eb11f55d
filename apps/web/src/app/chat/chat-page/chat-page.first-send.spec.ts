import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import {
  CHAT,
  controllableStream,
  jsonResponse,
  quota,
  useChatPage,
} from '../../../testing/chat-page';
import { useLanguage } from '../../../testing/i18n';
import { ChatsStore } from '../data-access/chats.store';

/** The first send of a new chat (`/chats`), which creates the chat. */
describe(
  'ChatPage: a new chat whose first send fails',
  { timeout: 20_000 },
  () => {
    const page = useChatPage();

    async function newChatSend(response: Response): Promise<void> {
      // The page goes to /chats/c9, and back to /chats when the chat is dropped.
      TestBed.inject(Router).resetConfig([{ path: '**', children: [] }]);
      page.fixture.componentRef.setInput('id', undefined);
      await page.settle();
      page.http.expectOne('/api/chats/quota').flush(quota(3));
      page.fetchFn.mockResolvedValue(response);
      await page.type('Hello there');
      await page.submit();
      page.http
        .expectOne('/api/chats')
        .flush({ ...CHAT, id: 'c9', title: 'Hello there' });
      await page.settle();
    }

    const error = () =>
      page.el.querySelector('[role="alert"]')?.textContent?.trim() ?? null;
    const chatIds = () =>
      TestBed.inject(ChatsStore)
        .chats()
        .map((c) => c.id);

    it('says the model is not answering, asks for another, and leaves no empty chat behind', async () => {
      await newChatSend(
        jsonResponse(502, {
          statusCode: 502,
          error: 'Bad Gateway',
          code: 'AI_PROVIDER_ERROR',
          message: 'The model local failed to answer',
        }),
      );
      const remove = page.http.expectOne('/api/chats/c9');
      expect(remove.request.method).toBe('DELETE');
      remove.flush(null, { status: 204, statusText: 'No Content' });
      await page.settle();
      page.http.match(() => true); // the quota of the page, asked again

      expect(error()).toBe(
        'This model is not answering right now. Pick another model and send again.',
      );
      expect(error()).not.toContain('try again');
      expect(page.textarea().value).toBe('Hello there');
      expect(TestBed.inject(Router).url).toBe('/chats');
      expect(chatIds()).not.toContain('c9');
      expect(
        page.el.querySelectorAll('[data-testid="message-user"]'),
      ).toHaveLength(0);
      // The model picker is still there to pick another.
      expect(
        page.el.querySelector('[data-testid="model-picker"]'),
      ).not.toBeNull();

      useLanguage('ru');
      await page.settle();
      expect(error()).toBe(
        'Эта модель сейчас не отвечает. Выберите другую модель и отправьте снова.',
      );
    });

    it('a time-out of the model says the same', async () => {
      await newChatSend(
        jsonResponse(504, {
          statusCode: 504,
          error: 'Gateway Timeout',
          code: 'AI_PROVIDER_TIMEOUT',
          message: 'The model local took too long',
        }),
      );
      page.http
        .expectOne('/api/chats/c9')
        .flush(null, { status: 204, statusText: 'No Content' });
      await page.settle();
      page.http.match(() => true);
      expect(error()).toBe(
        'This model is not answering right now. Pick another model and send again.',
      );
    });

    it('keeps the chat once the answer has begun', async () => {
      const stream = controllableStream();
      await newChatSend(stream.response);
      page.http.expectNone('/api/chats/c9');
      expect(chatIds()).toContain('c9');
    });
  },
);
