import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Errors an `AiProvider` throws. The HTTP ones carry API.md's error shape
 * (`statusCode`, `code`, `message`), so they can leave the API as they are
 * when nothing was streamed yet. Messages name the provider's answer (status
 * and a short excerpt of its body), never the API key.
 */
export class AiProviderError extends HttpException {
  readonly code = 'AI_PROVIDER_ERROR';

  constructor(
    message: string,
    /** HTTP status the provider answered with, when it answered at all. */
    readonly upstreamStatus: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(
      {
        statusCode: HttpStatus.BAD_GATEWAY,
        code: 'AI_PROVIDER_ERROR',
        message,
      },
      HttpStatus.BAD_GATEWAY,
      options,
    );
    this.name = 'AiProviderError';
  }
}

export class AiTimeoutError extends HttpException {
  readonly code = 'AI_PROVIDER_TIMEOUT';

  constructor(message: string, options?: { cause?: unknown }) {
    super(
      {
        statusCode: HttpStatus.GATEWAY_TIMEOUT,
        code: 'AI_PROVIDER_TIMEOUT',
        message,
      },
      HttpStatus.GATEWAY_TIMEOUT,
      options,
    );
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
