import { ApiError } from '../../common/api-error';
import { parseCompletionRequest } from './completion-request';

/** The 400 a body gets: its `param` and message. */
function refusal(body: unknown): { param: unknown; message: string } {
  try {
    parseCompletionRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.getStatus()).toBe(400);
    return { param: e.extra.param, message: e.message };
  }
  throw new Error('the body was accepted');
}

const user = (content: unknown) => ({ role: 'user', content });

describe('parseCompletionRequest', () => {
  it('splits what Tally owns from what it passes on', () => {
    const r = parseCompletionRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        user([
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ]),
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 100,
      max_completion_tokens: 40,
      n: 1,
      temperature: 0.2,
      logit_bias: { '50256': -100 },
      top_k: 3,
    });
    expect(r).toMatchObject({
      model: 'm',
      stream: true,
      includeUsage: true,
      maxTokens: 40,
      tools: null,
      fields: { temperature: 0.2, logit_bias: { '50256': -100 }, top_k: 3 },
    });
    expect(Object.keys(r.fields)).not.toContain('max_tokens');
    expect(r.textMessages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'one\ntwo' },
    ]);
  });

  it('takes tool calls and tool answers, counting them as text', () => {
    const calls = [
      {
        id: 'c1',
        type: 'function',
        function: { name: 'f', arguments: '{}' },
      },
    ];
    const r = parseCompletionRequest({
      model: 'm',
      messages: [
        user('hi'),
        { role: 'assistant', content: null, tool_calls: calls },
        { role: 'tool', tool_call_id: 'c1', content: 'done' },
      ],
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
    expect(r.tools).toHaveLength(1);
    expect(r.textMessages[1]).toEqual({
      role: 'assistant',
      content: JSON.stringify(calls),
    });
    expect(r.textMessages[2]).toEqual({ role: 'user', content: 'done' });
    expect(r.stream).toBe(false);
    expect(r.includeUsage).toBe(false);
  });

  it.each([
    [null, null],
    [{ messages: [user('x')] }, 'model'],
    [{ model: 'm', messages: [] }, 'messages'],
    [
      { model: 'm', messages: [{ role: 'robot', content: 'x' }] },
      'messages[0].role',
    ],
    [{ model: 'm', messages: [user(null)] }, 'messages[0].content'],
    [
      { model: 'm', messages: [user([{ type: 'image_url', image_url: {} }])] },
      'messages[0].content[0]',
    ],
    [
      { model: 'm', messages: [{ role: 'tool', content: 'x' }] },
      'messages[0].tool_call_id',
    ],
    [{ model: 'm', messages: [user('x')], max_tokens: 0 }, 'max_tokens'],
    [
      { model: 'm', messages: [user('x')], max_completion_tokens: 1.5 },
      'max_completion_tokens',
    ],
    [{ model: 'm', messages: [user('x')], n: 2 }, 'n'],
    [{ model: 'm', messages: [user('x')], temperature: 3 }, 'temperature'],
    [
      { model: 'm', messages: [user('x')], stop: ['a', 'b', 'c', 'd', 'e'] },
      'stop',
    ],
    [
      { model: 'm', messages: [user('x')], tools: [{ type: 'function' }] },
      'tools[0]',
    ],
    [{ model: 'm', messages: [user('x')], stream: 'yes' }, 'stream'],
    [
      {
        model: 'm',
        messages: [user('x')],
        stream_options: { include_usage: 1 },
      },
      'stream_options',
    ],
  ])('refuses %j naming %s', (body, param) => {
    expect(refusal(body).param).toBe(param);
  });
});
