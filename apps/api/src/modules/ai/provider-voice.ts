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

  /** An error of the provider: the log text, and the answered text naming the model only. */
  error(
    detail: string,
    publicText: string,
    status: number | null = null,
    options: { cause?: unknown; streamDetail?: string } = {},
  ): AiProviderError {
    return new AiProviderError(`${this.label} ${detail}`, status, {
      cause: options.cause,
      publicMessage: `${this.publicLabel} ${publicText}`,
      streamMessage:
        options.streamDetail === undefined
          ? undefined
          : `${this.publicLabel} ${publicText}: ${options.streamDetail}`,
    });
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
