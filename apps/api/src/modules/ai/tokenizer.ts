import { Injectable } from '@nestjs/common';
import { decode } from 'gpt-tokenizer';
import type { AiChatMessage, AiUsage } from './ai-provider.port';
import { estimatePrompt } from './prompt-estimate';
import { countTokens, tokenize } from './token-count';

export { countTokens, tokenize } from './token-count';

/**
 * Counts tokens the way OpenAI-compatible models do (o200k_base), for quota
 * estimates and for answers whose provider reported no usage.
 */
@Injectable()
export class TokenCounter {
  readonly encoding = 'o200k_base';

  /** Tokens of a plain text; 0 for an empty one. */
  countText(text: string): number {
    return countTokens(text);
  }

  /**
   * Prompt tokens of plain chat messages: the one prompt estimate
   * (prompt-estimate.ts), with the per-message overhead and the reply primer.
   */
  countMessages(messages: readonly AiChatMessage[]): number {
    return estimatePrompt(messages);
  }

  /**
   * Usage of an answer counted locally (`estimated: true`), for an answer
   * whose provider reported none (cut, client gone, failed after output
   * began): the prompt estimate it was admitted on, and the output received,
   * its text and its tool calls (`toolCallText`).
   */
  usageOf(promptTokens: number, output: string): AiUsage {
    const completionTokens = this.countText(output);
    return {
      promptTokens,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
      estimated: true,
    };
  }

  /**
   * The longest prefix of `text` that counts at most `maxTokens` tokens (whole
   * characters only: a multi-byte character is never split).
   */
  truncate(text: string, maxTokens: number): string {
    if (maxTokens <= 0) return '';
    if (countTokens(text) <= maxTokens) return text;
    const tokens = tokenize(text);
    if (tokens.length <= maxTokens) return text;
    for (let n = maxTokens; n > 0; n--) {
      const prefix = decode(tokens.slice(0, n));
      // A cut inside a multi-byte character decodes to U+FFFD and does not prefix the text.
      if (text.startsWith(prefix) && countTokens(prefix) <= maxTokens)
        return prefix;
    }
    return '';
  }
}
