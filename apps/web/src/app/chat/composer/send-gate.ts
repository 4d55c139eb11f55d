import { LIMITS } from '@tally/api-contract';

/** What holds a send back; null when it may go. */
export type SendHold =
  /** The quota is used up: the composer is shut until it resets. */
  | 'quota'
  /** An answer is still coming in. */
  | 'answering'
  /** A change of the chat's model is on its way: a send now would go to the old one. */
  | 'savingModel'
  /** Nothing but white space typed. */
  | 'empty'
  /** Longer than a message may be. */
  | 'tooLong';

export interface SendState {
  /** A quota block is in force (see `SendBlock`). */
  blocked: boolean;
  streaming: boolean;
  savingModel: boolean;
  draft: string;
}

/** Whether a send may go now, and if not, why not (the first reason that holds). */
export function sendHold(
  state: SendState,
  maxLength: number = LIMITS.messageContentMax,
): SendHold | null {
  if (state.blocked) {
    return 'quota';
  }
  if (state.streaming) {
    return 'answering';
  }
  if (state.savingModel) {
    return 'savingModel';
  }
  if (state.draft.trim().length === 0) {
    return 'empty';
  }
  if (state.draft.length > maxLength) {
    return 'tooLong';
  }
  return null;
}

/** The composer's placeholder: why it is shut, or what to type (short at phone width). */
export function composerPlaceholder(blocked: boolean, narrow: boolean): string {
  if (blocked) {
    return 'chat.composer.blocked';
  }
  return narrow
    ? 'chat.composer.placeholderShort'
    : 'chat.composer.placeholder';
}
