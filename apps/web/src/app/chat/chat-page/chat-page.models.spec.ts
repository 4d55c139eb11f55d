import type { Message } from '@tally/api-contract';
import {
  CHAT,
  MODELS,
  controllableStream,
  message,
  useChatPage,
  quota,
} from '../../../testing/chat-page';
import { one } from '../../../testing/dom';
import { useLanguage } from '../../../testing/i18n';

describe('ChatPage: models', { timeout: 20_000 }, () => {
  const page = useChatPage();

  const picker = () =>
    one<HTMLElement>(page.el, '[data-testid="model-picker"]');
  const pickerValue = () =>
    page.el
      .querySelector('[data-testid="model-picker-value"]')
      ?.textContent?.trim();
  const options = () => [
    ...document.querySelectorAll<HTMLElement>('[data-testid="model-option"]'),
  ];

  async function openPicker(): Promise<void> {
    one<HTMLElement>(picker(), '.mat-mdc-select-trigger').click();
    await page.settle();
  }

  async function pick(id: string): Promise<void> {
    await openPicker();
    one<HTMLElement>(document, `[data-model="${id}"]`).click();
    await page.settle();
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
    await page.type('Hello');
    await pick('gpt-4o-mini');
    const patch = page.http.expectOne('/api/chats/c1');
    expect(patch.request.method).toBe('PATCH');
    expect(patch.request.body).toEqual({ model: 'gpt-4o-mini' });
    expect(
      one<HTMLButtonElement>(page.el, '[data-testid="send"]').disabled,
    ).toBe(true);
    patch.flush({ ...CHAT, model: 'gpt-4o-mini' });
    await page.settle();
    page.http
      .expectOne('/api/chats/quota?model=gpt-4o-mini')
      .flush({ ...quota(3), model: 'gpt-4o-mini' });
    expect(pickerValue()).toBe('GPT-4o mini');
    expect(
      one<HTMLButtonElement>(page.el, '[data-testid="send"]').disabled,
    ).toBe(false);
  });

  it('puts the model back and says why when the pick is refused', async () => {
    await pick('gpt-4o-mini');
    page.http.expectOne('/api/chats/c1').flush(
      {
        statusCode: 400,
        error: 'Bad Request',
        code: 'UNKNOWN_MODEL',
        message: 'unknown model',
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await page.settle();
    expect(pickerValue()).toBe('Local');
    expect(
      page.el.querySelector('[data-testid="chat-error"]')?.textContent?.trim(),
    ).toBe('This model is not available. Choose another one.');
    // the list is loaded again: the model may have gone
    page.http.expectOne('/api/models').flush({
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
      page.fetchFn.mockResolvedValue(stream.response);
      await page.type('Hello');
      await page.submit();
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
      await page.settle();
    }
    const answers = page.el.querySelectorAll(
      '[data-testid="message-assistant"]',
    );
    expect(answers).toHaveLength(2);
    expect(answers[0].querySelector('[data-testid="message-cost"]')).toBeNull();
    expect(
      answers[0]
        .querySelector('[data-testid="message-model"]')
        ?.textContent?.trim(),
    ).toBe('Local');
    expect(
      answers[1]
        .querySelector('[data-testid="message-cost"]')
        ?.textContent?.trim(),
    ).toBe('Cost: <\u00a0$0.01');

    useLanguage('ru');
    await page.settle();
    expect(
      answers[1]
        .querySelector('[data-testid="message-cost"]')
        ?.textContent?.trim(),
    ).toBe('Стоимость: <\u00a00,01\u00a0$');
  });

  it('creates a new chat with the model picked for it', async () => {
    page.fixture.componentRef.setInput('id', undefined);
    await page.settle();
    page.http.expectOne('/api/chats/quota').flush(quota(3));
    expect(pickerValue()).toBe('Local'); // the default
    await pick('gpt-4o-mini');
    page.http.expectNone('/api/chats/c1');
    page.http.expectOne('/api/chats/quota?model=gpt-4o-mini').flush(quota(3));

    page.fetchFn.mockResolvedValue(controllableStream().response);
    await page.type('Hello there');
    await page.submit();
    const create = page.http.expectOne('/api/chats');
    expect(create.request.method).toBe('POST');
    expect(create.request.body).toEqual({
      title: 'Hello there',
      model: 'gpt-4o-mini',
    });
  });

  it('a new chat left alone gets the default model', async () => {
    page.fixture.componentRef.setInput('id', undefined);
    await page.settle();
    page.http.expectOne('/api/chats/quota').flush(quota(3));
    page.fetchFn.mockResolvedValue(controllableStream().response);
    await page.type('Hello');
    await page.submit();
    expect(page.http.expectOne('/api/chats').request.body).toEqual({
      title: 'Hello',
    });
  });

  it("says so when the chat's model went away, and counts the default's quota", async () => {
    page.fixture.componentRef.setInput('id', 'c2');
    await page.settle();
    page.http
      .expectOne('/api/chats/c2')
      .flush({ ...CHAT, id: 'c2', model: 'retired' });
    await page.settle();
    page.http.expectOne('/api/chats/quota').flush(quota(3));
    expect(pickerValue()).toBe('Local');
    expect(
      page.el
        .querySelector('[data-testid="model-missing"]')
        ?.textContent?.trim(),
    ).toBe(
      "This chat's model “retired” is no longer available: answers come from the default model.",
    );
  });
});
