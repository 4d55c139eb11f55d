import type {
  AiProvider,
  AiStreamEvent,
  AiStreamRequest,
  AiUsage,
} from './ai-provider.port';
import { toolCallText } from './prompt-estimate';
import type { TokenCounter } from './tokenizer';

/** What the cap saw: an answer cut, or usage reported past what was held. */
export interface CapObserver {
  /** The provider did not stop at the cap: the answer was cut there and the upstream request aborted. */
  cut(): void;
  /** The provider reported `excess` completion tokens more than the cap (charged the cap). */
  excess(excess: number, reported: number, cap: number): void;
  /**
   * The provider reported more `kind` tokens than were held for them (the
   * prompt estimate, or the output cap): charged what was held.
   */
  overHold(kind: 'prompt' | 'completion', excess: number): void;
}

type ToolCallPiece = Record<string, unknown> & {
  function?: Record<string, unknown>;
};

/**
 * The hard output cap around any adapter: counts the answer as it streams,
 * its text, its tool calls (function names and arguments) and its other
 * output (reasoning, refusals, legacy function calls) together, and
 * cuts it at `maxOutputTokens` when the provider does not stop by itself
 * (stopping the iteration aborts the upstream request). It never reports
 * more than was held: completion tokens past the cap are charged the cap,
 * prompt tokens past the admitted estimate (`promptTokens`) the estimate.
 *
 * The count adds each piece's tokens (pieces counted apart rarely count
 * fewer than together) and recounts the whole output exactly only once that
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
    const held = Math.max(0, Math.ceil(req.promptTokens));
    /** The output so far, text and tool calls apart (each is counted as one text). */
    let text = '';
    let calls = '';
    let counted = 0;
    /** Whether `extra` more output of `kind` still fits the cap. */
    const fits = (kind: 'text' | 'calls', extra: string): boolean => {
      counted += this.tokens.countText(extra);
      if (counted <= cap) return true;
      counted =
        this.tokens.countText(kind === 'text' ? text + extra : text) +
        this.tokens.countText(kind === 'calls' ? calls + extra : calls);
      return counted <= cap;
    };
    /** Output tokens left for more of `kind`, counted exactly. */
    const left = (kind: 'text' | 'calls'): number =>
      cap -
      (kind === 'text'
        ? this.tokens.countText(calls)
        : this.tokens.countText(text));

    for await (const event of this.inner.stream(req)) {
      if (event.type === 'usage') {
        yield { type: 'usage', usage: this.bounded(event.usage, cap, held) };
        continue;
      }
      if (event.type === 'delta') {
        if (fits('text', event.content)) {
          text += event.content;
          yield event;
          continue;
        }
        // Past the cap: keep what fits, stop reading (the upstream request is aborted) and charge the cap.
        const kept = this.tokens.truncate(text + event.content, left('text'));
        const rest = kept.startsWith(text) ? kept.slice(text.length) : '';
        if (rest !== '') yield { type: 'delta', content: rest };
      } else if (event.type === 'tool_calls') {
        const piece = toolCallText(event.toolCalls);
        if (fits('calls', piece)) {
          calls += piece;
          yield event;
          continue;
        }
        const kept = this.keptCalls(event.toolCalls, calls, left('calls'));
        if (kept.length > 0) yield { type: 'tool_calls', toolCalls: kept };
      } else if (event.type === 'other') {
        // Reasoning, a refusal, a legacy function call: output like the
        // rest (counted with the tool calls); past the cap it is cut here.
        if (fits('calls', event.text)) {
          calls += event.text;
          yield event;
          continue;
        }
      } else {
        yield event;
        continue;
      }
      this.observer.cut();
      yield { type: 'finish', reason: 'length' };
      yield {
        type: 'usage',
        usage: {
          promptTokens: held,
          completionTokens: cap,
          totalTokens: held + cap,
          estimated: true,
        },
      };
      return;
    }
  }

  /** Reported usage, never more than was held (each excess told to the observer). */
  private bounded(u: AiUsage, cap: number, held: number): AiUsage {
    let { promptTokens, completionTokens } = u;
    if (completionTokens > cap) {
      this.observer.excess(completionTokens - cap, completionTokens, cap);
      this.observer.overHold('completion', completionTokens - cap);
      completionTokens = cap;
    }
    if (promptTokens > held) {
      this.observer.overHold('prompt', promptTokens - held);
      promptTokens = held;
    }
    if (
      promptTokens === u.promptTokens &&
      completionTokens === u.completionTokens
    )
      return u;
    return {
      ...u,
      promptTokens,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
    };
  }

  /**
   * The part of a piece of tool calls that fits in `room` more tokens after
   * `before` (the calls' text so far): whole calls while they fit, then the
   * one that does not with its arguments cut (a cut call's arguments are not
   * whole JSON, as with any answer cut at `length`).
   */
  private keptCalls(
    pieces: readonly unknown[],
    before: string,
    room: number,
  ): unknown[] {
    const kept: unknown[] = [];
    let sofar = before;
    for (const raw of pieces) {
      const piece = raw as ToolCallPiece;
      const own = toolCallText([piece]);
      if (this.tokens.countText(sofar + own) <= room) {
        kept.push(piece);
        sofar += own;
        continue;
      }
      const fn = piece.function;
      const name = typeof fn?.name === 'string' ? fn.name : '';
      const args = typeof fn?.arguments === 'string' ? fn.arguments : '';
      const whole = this.tokens.truncate(sofar + name + args, room);
      if (
        whole.startsWith(sofar + name) &&
        whole.length > sofar.length + name.length
      )
        kept.push({
          ...piece,
          function: {
            ...fn,
            arguments: whole.slice(sofar.length + name.length),
          },
        });
      break;
    }
    return kept;
  }
}
