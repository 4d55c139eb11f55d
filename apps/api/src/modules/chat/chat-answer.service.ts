import { HttpException, Injectable, Logger } from '@nestjs/common';
import type {
  ErrorEventData,
  Message,
  MessageStatus,
  Usage,
} from '@tally/api-contract';
import { isDatabaseUnavailable } from '../../common/all-exceptions.filter';
import { notFound } from '../../common/api-error';
import {
  AiAbortedError,
  AiProviderError,
  type AiUsage,
  isAiFailure,
  TokenCounter,
} from '../ai';
import { MetricsService } from '../metrics/metrics.service';
import { costOf } from '../models/cost';
import type { Charge } from '../usage/lease';
import type { AdmittedSend, AnswerEvent } from './answer-events';
import { ChatSendService } from './chat-send.service';

const NOT_CHARGED: Charge = {
  promptTokens: 0,
  completionTokens: 0,
  charged: false,
};

/** How an answer ended, once the provider stopped. */
interface Outcome {
  status: MessageStatus;
  text: string;
  /** What is charged; null: nothing (the provider failed before any text). */
  usage: AiUsage | null;
  /** The provider's failure, for `status: 'error'`. */
  failure: HttpException | null;
  /** Why the provider said it ended (`stop`, `length`, ...); null when it did not say. */
  finishReason: string | null;
  seconds: number;
}

/**
 * Runs an admitted send to its end, as the contract's events: the user's
 * message (stored with the admission), asks the AI provider, yields the answer's pieces, then
 * stores the answer with how it ended and settles its lease in one
 * transaction (charged what it used), however it ends: complete, provider
 * error, time-out or client gone. The events are consumed to the end
 * whether or not anyone is still listening; how they are written (SSE or
 * JSON) is the controller layer's business.
 */
@Injectable()
export class ChatAnswerService {
  private readonly logger = new Logger('ChatAnswer');

  constructor(
    private readonly chats: ChatSendService,
    private readonly tokens: TokenCounter,
    private readonly metrics: MetricsService,
  ) {}

  async *answer(send: AdmittedSend): AsyncGenerator<AnswerEvent> {
    const { lease, prepared } = send;
    // The client left before the answer started: the lease gave everything back.
    if (!lease.start()) return;
    const upstream = new AbortController();
    const cancel = () => upstream.abort();
    // The client left, or a shutdown's grace time is over: stop upstream.
    if (send.signal.aborted || lease.cut.aborted) cancel();
    send.signal.addEventListener('abort', cancel, { once: true });
    lease.cut.addEventListener('abort', cancel, { once: true });
    try {
      // Stored with the admission (null: the chat was deleted meanwhile).
      const userMessage = lease.admitted as Message | null;
      if (!userMessage) throw notFound('Chat');
      yield { event: 'user_message', data: userMessage };
      const ran: Outcome = yield* this.run(send, upstream.signal);
      this.observe(send, ran);
      // Never more than the hold: what is charged and what is stored agree.
      const outcome: Outcome = ran.usage
        ? { ...ran, usage: lease.bound(ran.usage) }
        : ran;

      const model = prepared.model;
      // The model's prices as they were at admission (the time of the send).
      const cost = outcome.usage
        ? costOf(
            outcome.usage.promptTokens,
            outcome.usage.completionTokens,
            model.prices,
          )
        : null;
      const charge: Charge = outcome.usage
        ? {
            promptTokens: outcome.usage.promptTokens,
            completionTokens: outcome.usage.completionTokens,
            charged: true,
            model: model.id,
            cost: cost ?? 0,
          }
        : NOT_CHARGED;
      // The answer is stored by the settle's own statement, when it counts.
      const settled = await lease.settle(
        charge,
        this.chats.answerRider(prepared.chatId, {
          content: outcome.text,
          status: outcome.status,
          model: model.id,
          promptTokens: outcome.usage?.promptTokens ?? null,
          completionTokens: outcome.usage?.completionTokens ?? null,
          cost,
          // Only a complete answer was cut by a cap; one that failed or was cancelled just stopped.
          cutBy:
            outcome.status === 'complete'
              ? lease.cutBy(outcome.finishReason)
              : null,
        }),
      );
      const quota = { ...settled.quota, model: model.id };

      if (settled.error || !settled.stored) {
        const err = settled.error ?? new Error('The answer was not stored');
        yield {
          event: 'error',
          data: storeFailure(err),
          cause: err,
          quota: null,
        };
        return;
      }
      if (outcome.failure) {
        const body = outcome.failure.getResponse() as {
          code?: string;
          message?: string;
        };
        const said = (outcome.failure as { streamMessage?: unknown })
          .streamMessage;
        yield {
          event: 'error',
          data: {
            code: body.code ?? 'AI_PROVIDER_ERROR',
            // What the client may see: the model, never the provider's address.
            message:
              typeof said === 'string' ? said : String(body.message ?? ''),
          },
          cause: outcome.failure,
          quota,
        };
        return;
      }
      yield {
        event: 'done',
        data: {
          assistant_message: settled.stored as Message,
          usage: toUsage(outcome.usage as AiUsage, cost ?? 0),
          quota,
        },
      };
    } finally {
      send.signal.removeEventListener('abort', cancel);
      lease.cut.removeEventListener('abort', cancel);
      // Nothing keeps running once the answer is over, whichever way it ended.
      upstream.abort();
      await lease.release();
    }
  }

  /** Streams the provider's answer to its end, yielding its pieces; never throws. */
  private async *run(
    send: AdmittedSend,
    signal: AbortSignal,
  ): AsyncGenerator<AnswerEvent, Outcome> {
    const { prepared, lease } = send;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let text = '';
    /** Output the chat does not show (reasoning, a refusal): charged like text. */
    let unseen = '';
    let usage: AiUsage | null = null;
    let finishReason: string | null = null;
    try {
      const provider = prepared.model.provider;
      for await (const event of provider.stream({
        messages: prepared.messages,
        maxOutputTokens: lease.outputCap,
        promptTokens: lease.promptTokens,
        signal,
        language: send.language,
      })) {
        if (event.type === 'usage') {
          usage = event.usage;
          continue;
        }
        if (event.type === 'finish') {
          finishReason = event.reason;
          continue;
        }
        // Tool calls come only to OpenAI-shaped requests.
        if (event.type === 'other') {
          unseen += event.text;
          continue;
        }
        if (event.type !== 'delta') continue;
        if (text === '') {
          this.metrics.aiLatency.observe(
            { provider: provider.name },
            seconds(),
          );
        }
        text += event.content;
        yield { event: 'delta', data: { content: event.content } };
      }
      return {
        status: 'complete',
        text,
        usage: usage ?? this.tokens.usageOf(lease.promptTokens, text + unseen),
        failure: null,
        finishReason,
        seconds: seconds(),
      };
    } catch (err) {
      const cancelled = err instanceof AiAbortedError || signal.aborted;
      const failure = cancelled ? null : this.asFailure(err, send);
      return {
        status: cancelled ? 'cancelled' : 'error',
        text,
        // Tokens actually used are charged: a cut answer counts what arrived
        // (and its prompt); a failure before any text is not charged.
        usage:
          cancelled || text !== '' || unseen !== ''
            ? this.tokens.usageOf(lease.promptTokens, text + unseen)
            : null,
        failure,
        finishReason,
        seconds: seconds(),
      };
    }
  }

  private asFailure(err: unknown, send: AdmittedSend): HttpException {
    const chatId = send.prepared.chatId;
    if (isAiFailure(err)) {
      this.logger.warn(`AI answer failed in chat ${chatId}: ${err.message}`);
      return err;
    }
    this.logger.error(
      `Unexpected AI failure in chat ${chatId}: ${(err as Error)?.stack ?? String(err)}`,
    );
    return new AiProviderError('The AI provider failed unexpectedly', null, {
      cause: err,
    });
  }

  private observe(send: AdmittedSend, outcome: Outcome): void {
    const provider = send.prepared.model.provider.name;
    this.metrics.aiDuration.observe(
      { provider, status: outcome.status },
      outcome.seconds,
    );
    if (outcome.usage) {
      this.metrics.aiTokens.inc(
        { provider, kind: 'prompt' },
        outcome.usage.promptTokens,
      );
      this.metrics.aiTokens.inc(
        { provider, kind: 'completion' },
        outcome.usage.completionTokens,
      );
    }
  }
}

const toUsage = (u: AiUsage, cost: number): Usage => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
  cost,
});

function storeFailure(err: unknown): ErrorEventData {
  return isDatabaseUnavailable(err)
    ? {
        code: 'DATABASE_UNAVAILABLE',
        message: 'The database is unreachable; the answer was not saved',
      }
    : { code: 'INTERNAL_ERROR', message: 'The answer could not be saved' };
}
