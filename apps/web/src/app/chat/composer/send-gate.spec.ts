import { LIMITS } from '@tally/api-contract';
import { type SendState, composerPlaceholder, sendHold } from './send-gate';

describe('sendHold', () => {
  const ready: SendState = {
    blocked: false,
    streaming: false,
    savingModel: false,
    draft: 'Hello',
  };

  it('lets a typed message go when nothing holds it', () => {
    expect(sendHold(ready)).toBeNull();
  });

  it('holds it while the quota is used up, before anything else', () => {
    expect(
      sendHold({
        blocked: true,
        streaming: true,
        savingModel: true,
        draft: '',
      }),
    ).toBe('quota');
  });

  it('holds it while an answer streams in, then while the model is being stored', () => {
    expect(sendHold({ ...ready, streaming: true, savingModel: true })).toBe(
      'answering',
    );
    expect(sendHold({ ...ready, savingModel: true })).toBe('savingModel');
  });

  it('holds an empty or blank message', () => {
    expect(sendHold({ ...ready, draft: '' })).toBe('empty');
    expect(sendHold({ ...ready, draft: ' \n\t ' })).toBe('empty');
  });

  it('holds a message longer than the limit, counting the white space around it', () => {
    const max = LIMITS.messageContentMax;
    expect(sendHold({ ...ready, draft: 'x'.repeat(max) })).toBeNull();
    expect(sendHold({ ...ready, draft: 'x'.repeat(max + 1) })).toBe('tooLong');
    expect(sendHold({ ...ready, draft: ` ${'x'.repeat(max)}` })).toBe(
      'tooLong',
    );
    expect(sendHold({ ...ready, draft: 'abcd' }, 3)).toBe('tooLong');
  });
});

describe('composerPlaceholder', () => {
  it('says the box is shut while blocked, at any width', () => {
    expect(composerPlaceholder(true, false)).toBe('chat.composer.blocked');
    expect(composerPlaceholder(true, true)).toBe('chat.composer.blocked');
  });

  it('is short at phone width', () => {
    expect(composerPlaceholder(false, false)).toBe('chat.composer.placeholder');
    expect(composerPlaceholder(false, true)).toBe(
      'chat.composer.placeholderShort',
    );
  });
});
