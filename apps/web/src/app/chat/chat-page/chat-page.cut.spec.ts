import type { CutBy, Message } from '@tally/api-contract';
import {
  controllableStream,
  message,
  quota,
  useChatPage,
} from '../../../testing/chat-page';
import { useLanguage } from '../../../testing/i18n';

describe('ChatPage: answers cut short', { timeout: 20_000 }, () => {
  const page = useChatPage();

  async function answerWith(cutBy: CutBy | null, id: string): Promise<void> {
    const stream = controllableStream();
    page.fetchFn.mockResolvedValue(stream.response);
    await page.type('Hello');
    await page.submit();
    const answer: Message = {
      ...message('assistant', 'Half an ans'),
      id,
      cut_by: cutBy,
    };
    stream.send('done', {
      assistant_message: answer,
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      quota: quota(4),
    });
    stream.close();
    await page.settle();
  }

  const marks = () =>
    [
      ...page.el.querySelectorAll<HTMLElement>(
        '[data-testid="message-assistant"]',
      ),
    ].map((a) => {
      const mark = a.querySelector<HTMLElement>('[data-testid="message-cut"]');
      return mark ? [mark.dataset['cutBy'], mark.textContent?.trim()] : null;
    });

  it('marks under the bubble why an answer was cut, and nothing on a whole one', async () => {
    await answerWith('limit', 'a-1');
    await answerWith('max_output', 'a-2');
    await answerWith(null, 'a-3');
    expect(marks()).toEqual([
      ['limit', 'Cut: your budget ran out'],
      ['max_output', 'Cut: the answer reached its length limit'],
      null,
    ]);

    useLanguage('ru');
    await page.settle();
    expect(marks()).toEqual([
      ['limit', 'Обрезано: закончился бюджет'],
      ['max_output', 'Обрезано: ответ достиг предельной длины'],
      null,
    ]);
  });
});
