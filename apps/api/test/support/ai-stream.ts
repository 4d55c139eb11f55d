import type {
  AiChatMessage,
  AiPassthrough,
  AiProvider,
  AiStreamEvent,
  AiUsage,
} from '../../src/modules/ai/ai-provider.port';
import { estimatePrompt } from '../../src/modules/ai/prompt-estimate';

export interface CollectedStream {
  text: string;
  deltas: string[];
  events: AiStreamEvent[];
  usage?: AiUsage;
  /** What the stream threw, if it did; what arrived before is kept. */
  error?: unknown;
}

/** Runs a provider's stream to its end or its error, for the adapters' unit specs. */
export async function collectStream(
  provider: AiProvider,
  messages: AiChatMessage[],
  opts: {
    maxOutputTokens: number;
    /** The prompt estimate admitted (default: the messages' own). */
    promptTokens?: number;
    /** An OpenAI-shaped request, sent as it is (the gateway's). */
    passthrough?: AiPassthrough;
    signal?: AbortSignal;
    onDelta?: (text: string) => void;
  },
): Promise<CollectedStream> {
  const events: AiStreamEvent[] = [];
  const deltas: string[] = [];
  let error: unknown;
  try {
    for await (const event of provider.stream({
      messages,
      maxOutputTokens: opts.maxOutputTokens,
      promptTokens: opts.promptTokens ?? estimatePrompt(messages),
      passthrough: opts.passthrough,
      signal: opts.signal ?? new AbortController().signal,
    })) {
      events.push(event);
      if (event.type === 'delta') {
        deltas.push(event.content);
        opts.onDelta?.(event.content);
      }
    }
  } catch (err) {
    error = err;
  }
  const usage = events.find((e) => e.type === 'usage');
  return {
    text: deltas.join(''),
    deltas,
    events,
    usage: usage?.type === 'usage' ? usage.usage : undefined,
    error,
  };
}
