import type {
  AiProvider,
  AiStreamEvent,
  AiStreamRequest,
} from './ai-provider.port';
import type { TokenCounter } from './tokenizer';

/** What the cap saw: an answer cut, or usage reported past the cap. */
export interface CapObserver {
  /** The provider did not stop at the cap: the answer was cut there and the upstream request aborted. */
  cut(): void;
  /** The provider reported `excess` completion tokens more than the cap (charged the cap). */
  excess(excess: number, reported: number, cap: number): void;
}

/**
 * The hard output cap around any adapter: counts the completion as it
 * streams and cuts it at `maxOutputTokens` when the provider does not stop
 * by itself (stopping the iteration aborts the upstream request), and never
 * reports more completion tokens than the cap.
 *
 * The count adds each piece's tokens (pieces counted apart rarely count
 * fewer than together) and recounts the whole text exactly only once that
 * sum passes the cap, so the cut is exact at a linear cost.
 */
export class CappedProvider implements AiProvider {
  readonly name: string;
  readonly model: string;
  readonly supportsTools: boolean;

  constructor(
    private readonly inner: AiProvider,
    private readonly tokens: TokenCounter,
    private readonly observer: CapObserver,
  ) {
    this.name = inner.name;
    this.model = inner.model;
    this.supportsTools = inner.supportsTools;
  }

  async *stream(
    req: AiStreamRequest,
  ): AsyncGenerator<AiStreamEvent, void, undefined> {
    const cap = Math.max(0, Math.floor(req.maxOutputTokens));
    let text = '';
    let counted = 0;
    for await (const event of this.inner.stream(req)) {
      if (event.type === 'usage') {
        const u = event.usage;
        if (u.completionTokens > cap) {
          this.observer.excess(
            u.completionTokens - cap,
            u.completionTokens,
            cap,
          );
          yield {
            type: 'usage',
            usage: {
              ...u,
              completionTokens: cap,
              totalTokens: u.promptTokens + cap,
            },
          };
        } else {
          yield event;
        }
        continue;
      }
      if (event.type !== 'delta') {
        yield event;
        continue;
      }
      const next = text + event.content;
      counted += this.tokens.countText(event.content);
      if (counted > cap) counted = this.tokens.countText(next);
      if (counted <= cap) {
        text = next;
        yield event;
        continue;
      }
      // Past the cap: keep what fits, stop reading (the upstream request is aborted) and charge the cap.
      const kept = this.tokens.truncate(next, cap);
      const rest = kept.startsWith(text) ? kept.slice(text.length) : '';
      if (rest !== '') yield { type: 'delta', content: rest };
      this.observer.cut();
      if (req.passthrough) yield { type: 'finish', reason: 'length' };
      const promptTokens = this.tokens.countMessages(req.messages);
      yield {
        type: 'usage',
        usage: {
          promptTokens,
          completionTokens: cap,
          totalTokens: promptTokens + cap,
          estimated: true,
        },
      };
      return;
    }
  }
}
