import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Errors an `AiProvider` throws. The HTTP ones carry API.md's error shape
 * (`statusCode`, `code`, `message`), so they can leave the API as they are
 * when nothing was streamed yet.
 *
 * Two texts: the error's own `message` is for the log (the provider's
 * address, its status and a short excerpt of its body; never the API key);
 * the answered body's `message` (`publicMessage`) names the model only,
 * never the provider's address or its raw error. `streamMessage` is what an
 * `error` event says once the answer streams: the public text, plus the
 * provider's own explanation when it reported one mid-answer.
 * `adminMessage` is what an admin's connection test answers: the log text
 * without any quote of what the provider sent.
 */
export interface AiErrorOptions {
  cause?: unknown;
  /** The answered text; the log text when not given. */
  publicMessage?: string;
  /** The text of an `error` event mid-stream; `publicMessage` when not given. */
  streamMessage?: string;
  /** The log text without the provider's words; the log text when not given. */
  adminMessage?: string;
}

export class AiProviderError extends HttpException {
  readonly code = 'AI_PROVIDER_ERROR';
  readonly publicMessage: string;
  readonly streamMessage: string;
  readonly adminMessage: string;
  constructor(
    message: string,
    /** HTTP status the provider answered with, when it answered at all. */
    readonly upstreamStatus: number | null = null,
    options?: AiErrorOptions,
  ) {
    const publicMessage = options?.publicMessage ?? message;
    super(
      {
        statusCode: HttpStatus.BAD_GATEWAY,
        code: 'AI_PROVIDER_ERROR',
        message: publicMessage,
      },
      HttpStatus.BAD_GATEWAY,
      { cause: options?.cause },
    );
    this.message = message;
    this.publicMessage = publicMessage;
    this.streamMessage = options?.streamMessage ?? publicMessage;
    this.adminMessage = options?.adminMessage ?? message;
    this.name = 'AiProviderError';
  }
}

export class AiTimeoutError extends HttpException {
  readonly code = 'AI_PROVIDER_TIMEOUT';
  readonly publicMessage: string;
  readonly streamMessage: string;
  readonly adminMessage: string;
  constructor(message: string, options?: AiErrorOptions) {
    const publicMessage = options?.publicMessage ?? message;
    super(
      {
        statusCode: HttpStatus.GATEWAY_TIMEOUT,
        code: 'AI_PROVIDER_TIMEOUT',
        message: publicMessage,
      },
      HttpStatus.GATEWAY_TIMEOUT,
      { cause: options?.cause },
    );
    this.message = message;
    this.publicMessage = publicMessage;
    this.streamMessage = options?.streamMessage ?? publicMessage;
    this.adminMessage = options?.adminMessage ?? message;
    this.name = 'AiTimeoutError';
  }
}

/** The caller's `AbortSignal` fired (the client went away); not an HTTP answer. */
export class AiAbortedError extends Error {
  readonly code = 'AI_ABORTED';

  constructor(
    message = 'The AI request was aborted by the caller',
    options?: { cause?: unknown },
  ) {
    super(message);
    this.name = 'AiAbortedError';
    // `Error`'s own `cause` option is newer than this project's `lib` setting.
    if (options && 'cause' in options)
      Object.defineProperty(this, 'cause', {
        value: options.cause,
        configurable: true,
      });
  }
}

/** Either kind of failure the chat must report as an error (not a cancellation). */
export type AiFailure = AiProviderError | AiTimeoutError;

export function isAiFailure(err: unknown): err is AiFailure {
  return err instanceof AiProviderError || err instanceof AiTimeoutError;
}
