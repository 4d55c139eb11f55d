import { AiProviderError } from './ai-provider.port';

/** Characters of an upstream body quoted in an error message. */
const EXCERPT_CHARS = 200;

/**
 * How one upstream provider's failures are told: the log's text names its
 * host and the model, the answered text names the model only (never the
 * provider's address or its raw error), and a quote of what the provider
 * said never carries a credential.
 */
export class ProviderVoice {
  /** For the log: the host only (a base URL may carry credentials). */
  readonly label: string;
  /** For answers: the model, never the provider's address. */
  readonly publicLabel: string;

  constructor(
    endpoint: string,
    modelId: string,
    private readonly apiKey: string | null,
  ) {
    this.label = `AI provider at ${new URL(endpoint).host} (model "${modelId}")`;
    this.publicLabel = `The AI model "${modelId}"`;
  }

  /**
   * An error of the provider: the log text (with `quote`, a short excerpt of
   * what it sent), the answered text naming the model only, and for an
   * admin's connection test the log text without the quote.
   */
  error(
    detail: string,
    publicText: string,
    status: number | null = null,
    options: { cause?: unknown; streamDetail?: string; quote?: string } = {},
  ): AiProviderError {
    const adminMessage = `${this.label} ${detail}`;
    return new AiProviderError(
      options.quote === undefined
        ? adminMessage
        : `${adminMessage}: ${this.excerpt(options.quote)}`,
      status,
      {
        cause: options.cause,
        publicMessage: `${this.publicLabel} ${publicText}`,
        adminMessage,
        streamMessage:
          options.streamDetail === undefined
            ? undefined
            : `${this.publicLabel} ${publicText}: ${options.streamDetail}`,
      },
    );
  }

  /** A 3xx answer to `request`: not followed (its target may be anything), its body not read. */
  redirect(status: number, request: string): AiProviderError {
    const said = `the server answered with a redirect (HTTP ${status})`;
    return this.error(
      `failed: ${said} to ${request}, which is not followed`,
      `failed: ${said}`,
      status,
    );
  }

  /** More than a reader's bound in one piece (`what`): not read further. */
  tooLarge(what: string, status: number | null = null): AiProviderError {
    return this.error(
      `sent ${what} over 1 MiB, which was not read further`,
      'sent an answer too large to read',
      status,
    );
  }

  /** A short, single-line quote of what the provider said, with any credential removed. */
  excerpt(text: string): string {
    let out = text.replace(/\s+/g, ' ').trim();
    if (this.apiKey) out = out.split(this.apiKey).join('***');
    out = out.replace(/Bearer\s+\S+/gi, 'Bearer ***');
    if (out === '') return '(empty body)';
    return out.length > EXCERPT_CHARS ? `${out.slice(0, EXCERPT_CHARS)}…` : out;
  }

  /** A network error's message says little: name its causes too (`connect ECONNREFUSED …`, `other side closed`). */
  describe(err: unknown): string {
    const parts: string[] = [];
    let e: unknown = err;
    for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
      const { message } = e as { message?: unknown };
      if (
        typeof message === 'string' &&
        message !== '' &&
        !parts.includes(message)
      )
        parts.push(message);
      e = (e as { cause?: unknown }).cause;
    }
    return this.excerpt(parts.join(': ') || String(err));
  }
}
