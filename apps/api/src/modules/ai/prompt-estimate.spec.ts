import {
  estimatePrompt,
  messageTokens,
  PURE_OPTIONS,
  toolCallText,
} from './prompt-estimate';
import { countTokens } from './token-count';

const big = (n: number) =>
  Array.from({ length: n }, (_, i) => `field${i} value${i}`).join(' ');

describe('estimatePrompt: the one prompt estimate', () => {
  const messages = [{ role: 'user', content: 'hello there' }];
  const base = estimatePrompt(messages);

  it('counts plain messages as before: 3 per message with its role and content, 3 for the reply', () => {
    expect(base).toBe(3 + 3 + countTokens('user') + countTokens('hello there'));
    expect(estimatePrompt([])).toBe(3);
  });

  it.each([
    [
      'response_format',
      {
        type: 'json_schema',
        json_schema: { schema: { description: big(400) } },
      },
    ],
    ['functions', [{ name: 'f', description: big(400), parameters: {} }]],
    [
      'tools',
      [{ type: 'function', function: { name: 'f', description: big(400) } }],
    ],
    ['prediction', { type: 'content', content: big(400) }],
    ['metadata', { note: big(400) }],
    ['some_future_field', big(400)],
  ])('counts %s, as its JSON', (field, value) => {
    const n = estimatePrompt(messages, { [field]: value });
    expect(n).toBeGreaterThanOrEqual(
      base + countTokens(JSON.stringify(value)) - 2,
    );
    expect(n - base).toBeGreaterThan(1000);
  });

  it.each([
    ['name', big(300)],
    ['function_call', { name: 'f', arguments: big(300) }],
    [
      'tool_calls',
      [
        {
          id: 'c',
          type: 'function',
          function: { name: 'f', arguments: big(300) },
        },
      ],
    ],
    ['unknown_message_field', big(300)],
  ])('counts a message’s %s', (field, value) => {
    const n = estimatePrompt([{ ...messages[0], [field]: value }]);
    expect(n - base).toBeGreaterThan(600);
  });

  it('counts every part of a content array: text parts by their text, others as JSON', () => {
    const text = estimatePrompt([
      { role: 'user', content: [{ type: 'text', text: 'hello there' }] },
    ]);
    expect(text).toBe(base);
    const other = estimatePrompt([
      {
        role: 'user',
        content: [{ type: 'input_file', file: { file_data: big(200) } }],
      },
    ]);
    expect(other - base).toBeGreaterThan(400);
  });

  it('leaves out pure options only', () => {
    const options = Object.fromEntries(
      [...PURE_OPTIONS].map((k) => [k, k === 'stop' ? ['a', 'b'] : 1]),
    );
    expect(estimatePrompt(messages, options)).toBe(base);
    expect(
      estimatePrompt(messages, { logit_bias: { '1': 5 } }),
    ).toBeGreaterThan(base);
  });

  it('counts a message that is not an object as its JSON', () => {
    expect(messageTokens('just text')).toBe(3 + countTokens('just text'));
  });
});

describe('toolCallText', () => {
  it('is the names and arguments of whole calls and of streamed pieces', () => {
    expect(
      toolCallText([
        {
          index: 0,
          id: 'c1',
          type: 'function',
          function: { name: 'get', arguments: '{"a":' },
        },
        { index: 0, function: { arguments: '1}' } },
        { index: 1, type: 'function', function: { name: 'put' } },
        { index: 2 },
      ]),
    ).toBe('get{"a":1}put');
  });
});
