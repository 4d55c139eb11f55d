import {
  illFormedBody,
  illFormedParams,
  illFormedQuery,
} from './well-formed-input';

const answer = (err: unknown): Record<string, unknown> | null => {
  const e = err as { getStatus(): number; getResponse(): object } | null;
  return e && { status: e.getStatus(), ...e.getResponse() };
};

describe('the edge refuses ill-formed text', () => {
  it('in a body: 400 VALIDATION_FAILED naming the field, keys included', () => {
    expect(
      answer(illFormedBody({ messages: [{ content: '\ud800' }] })),
    ).toEqual({
      status: 400,
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message:
        'body field messages[0].content must not contain a NUL character or an unpaired surrogate',
      param: 'messages[0].content',
    });
    expect(answer(illFormedBody({ '\u0000': 1 }))).toMatchObject({
      message: expect.stringMatching(/^a field name of the body /),
    });
    expect(answer(illFormedBody({ '\u0000': 1 }))).not.toHaveProperty('param');
    expect(answer(illFormedBody({ a: { '\udc00': 1 } }))).toMatchObject({
      message: expect.stringMatching(/^a field name of body field a /),
      param: 'a',
    });
    expect(illFormedBody({ title: '\ud83d\ude00' })).toBeNull();
    expect(illFormedBody(undefined)).toBeNull();
  });

  it('in a query: a NUL, or a surrogate sent as its percent-encoded code unit', () => {
    expect(
      answer(illFormedQuery({ model: 'a\u0000' }, 'model=a%00')),
    ).toMatchObject({
      code: 'VALIDATION_FAILED',
      param: 'model',
    });
    expect(
      answer(
        illFormedQuery({ search: ['ok', '\u0000'] }, 'search=ok&search=%00'),
      ),
    ).toMatchObject({ param: 'search' });
    expect(
      answer(illFormedQuery({ model: '%ED%A0%80' }, 'page=1&model=%ED%A0%80')),
    ).toMatchObject({ param: 'model' });
    expect(answer(illFormedQuery({ '\u0000': '1' }, '%00=1'))).toMatchObject({
      message: expect.stringMatching(/^a query parameter's name /),
    });
    expect(
      answer(illFormedQuery({ '%ED%B0%80': '1' }, '%ED%B0%80=1')),
    ).toMatchObject({
      message: expect.stringMatching(/^a query parameter's name /),
    });
    // A pair, valid UTF-8 (F0 9F 98 80), and an escaped percent sign are text.
    expect(illFormedQuery({ q: '😀' }, 'q=%F0%9F%98%80')).toBeNull();
    expect(illFormedQuery({ q: '%ED%A0%80' }, 'q=%25ED%25A0%2580')).toBeNull();
    expect(illFormedQuery({}, '')).toBeNull();
  });

  it('in a path parameter', () => {
    expect(
      answer(illFormedParams({ id: 'ok', user_id: '\u0000' })),
    ).toMatchObject({
      message:
        'path parameter user_id must not contain a NUL character or an unpaired surrogate',
      param: 'user_id',
    });
    expect(illFormedParams({ id: '../../etc/passwd' })).toBeNull();
    expect(illFormedParams(undefined)).toBeNull();
  });

  it('repeats at most 200 characters of a long name', () => {
    const name = 'n'.repeat(10_000);
    const res = answer(illFormedBody({ [name]: '\u0000' }));
    expect(res?.param).toBe(`${'n'.repeat(200)}…`);
    expect(String(res?.message).length).toBeLessThan(300);
  });
});
