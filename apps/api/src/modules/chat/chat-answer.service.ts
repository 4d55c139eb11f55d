import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import type {
  DoneEventData,
  ErrorEventData,
  Message,
  MessageStatus,
  Quota,
  SendMessageResponse,
  Usage,
} from '@tally/api-contract';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '../../common/all-exceptions.filter';
import {
  AI_PROVIDER,
  AiAbortedError,
  type AiProvider,
  AiProviderError,
  type AiUsage,
  isAiFailure,
  TokenCounter,
} from '../ai';
import { MetricsService } from '../metrics/metrics.service';
import { type SettleUsage, UsageService } from '../usage/usage.service';
import { ChatService } from './chat.service';
import type { AdmittedSend, SendAdmission } from './send-admission';
import { StreamSlotsService } from './stream-slots.service';

const NOT_CHARGED: SettleUsage = {
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
}

/**
 * Runs an admitted send to its end: stores the user's message, asks the AI
 * provider, streams the answer as server-sent events (or answers JSON with
 * `?stream=false`), stores the answer with how it ended and what it cost,
 * settles the reservation exactly once and releases the stream slot,
 * however the answer ends: complete, provider error, time-out or client gone.
 *
 * Nothing is written to the response before the first piece of the answer,
 * so a failure before it keeps its HTTP status and JSON body (API.md).
 */
@Injectable()
export class ChatAnswerService {
  private readonly logger = new Logger('ChatAnswer');

  constructor(
    private readonly chats: ChatService,
    private readonly slots: StreamSlotsService,
    private readonly usage: UsageService,
    private readonly tokens: TokenCounter,
    private readonly metrics: MetricsService,
    @Inject(AI_PROVIDER) private readonly ai: AiProvider,
  ) {}

  async answer(admission: SendAdmission, res: Response): Promise<void> {
    const send = admission.take();
    // The client left before the handler ran: the guard gave everything back.
    if (!send) return;
    const { reservation, slot } = send;

    const upstream = new AbortController();
    let finished = false;
    let clientGone = false;
    const onClose = () => {
      if (finished) return;
      clientGone = true;
      upstream.abort();
    };
    res.on('close', onClose);

    let charge: SettleUsage = NOT_CHARGED;
    let quota: Quota = reservation.quota;
    const settle = async (): Promise<Quota> => {
      if (admission.settled) return quota;
      admission.settled = true;
      try {
        quota = await this.usage.settle(reservation, charge);
      } catch (err) {
        this.logger.error(
          `Could not settle a reservation: ${(err as Error).message}`,
        );
      }
      return quota;
    };
    const release = () =>
      this.slots
        .release(slot)
        .catch((err: Error) =>
          this.logger.warn(`Could not release a stream slot: ${err.message}`),
        );

    try {
      const userMessage = await this.chats.storeUserMessage(send.prepared);
      const sse = new SseWriter(res, userMessage);
      const outcome = await this.run(send, upstream.signal, (text) => {
        if (send.stream && !clientGone) sse.delta(text);
      });
      if (outcome.usage) {
        charge = {
          promptTokens: outcome.usage.promptTokens,
          completionTokens: outcome.usage.completionTokens,
          charged: true,
        };
      }
      this.observe(outcome);

      let assistant: Message | null = null;
      let storeError: unknown = null;
      try {
        assistant = await this.chats.storeAnswer(send.prepared.chatId, {
          content: outcome.text,
          status: outcome.status,
          promptTokens: outcome.usage?.promptTokens ?? null,
          completionTokens: outcome.usage?.completionTokens ?? null,
        });
      } catch (err) {
        storeError = err;
      }
      // The answer is stored: settle it, free the slot, then say the last word.
      await settle();
      await release();
      finished = true;
      if (clientGone || res.destroyed) return;

      if (storeError) {
        if (!sse.opened) throw storeError;
        this.logger.error(
          `Could not store an answer: ${(storeError as Error).message}`,
        );
        return sse.error(
          isDatabaseUnavailable(storeError)
            ? {
                code: 'DATABASE_UNAVAILABLE',
                message:
                  'The database is unreachable; the answer was not saved',
              }
            : {
                code: 'INTERNAL_ERROR',
                message: 'The answer could not be saved',
              },
        );
      }
      if (outcome.failure) {
        if (sse.opened) {
          const body = outcome.failure.getResponse() as { code?: string };
          return sse.error({
            code: body.code ?? 'AI_PROVIDER_ERROR',
            message: outcome.failure.message,
          });
        }
        this.setRateLimitHeaders(res, quota);
        throw outcome.failure;
      }

      const usage = toUsage(outcome.usage as AiUsage);
      if (send.stream) {
        return sse.done({
          assistant_message: assistant as Message,
          usage,
          quota,
        });
      }
      this.setRateLimitHeaders(res, quota);
      const body: SendMessageResponse = {
        user_message: userMessage,
        assistant_message: assistant as Message,
        usage,
        quota,
      };
      res.status(200).json(body);
    } finally {
      finished = true;
      res.off('close', onClose);
      // Nothing keeps running once the answer is over, whichever way it ended.
      upstream.abort();
      await settle();
      await release();
    }
  }

  /** Streams the provider's answer to its end; never throws. */
  private async run(
    send: AdmittedSend,
    signal: AbortSignal,
    onDelta: (text: string) => void,
  ): Promise<Outcome & { seconds: number }> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let text = '';
    let usage: AiUsage | null = null;
    try {
      for await (const event of this.ai.stream({
        messages: send.prepared.messages,
        maxOutputTokens: send.reservation.outputCap,
        signal,
      })) {
        if (event.type === 'usage') {
          usage = event.usage;
          continue;
        }
        if (text === '') {
          this.metrics.aiLatency.observe({ provider: this.ai.name }, seconds());
        }
        text += event.content;
        onDelta(event.content);
      }
      return {
        status: 'complete',
        text,
        usage: usage ?? this.tokens.usageOf(send.prepared.messages, text),
        failure: null,
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
          cancelled || text !== ''
            ? this.tokens.usageOf(send.prepared.messages, text)
            : null,
        failure,
        seconds: seconds(),
      };
    }
  }

  private asFailure(err: unknown, send: AdmittedSend): HttpException {
    const failure = isAiFailure(err)
      ? err
      : new AiProviderError('The AI provider failed unexpectedly', null, {
          cause: err,
        });
    if (!isAiFailure(err)) {
      this.logger.error(
        `Unexpected AI failure in chat ${send.prepared.chatId}: ${(err as Error)?.stack ?? String(err)}`,
      );
    } else {
      this.logger.warn(
        `AI answer failed in chat ${send.prepared.chatId}: ${failure.message}`,
      );
    }
    return failure;
  }

  private observe(outcome: Outcome & { seconds?: number }): void {
    const provider = this.ai.name;
    this.metrics.aiDuration.observe(
      { provider, status: outcome.status },
      outcome.seconds ?? 0,
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

  private setRateLimitHeaders(res: Response, quota: Quota): void {
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(
      this.usage.rateLimitHeaders(quota),
    )) {
      res.setHeader(name, value);
    }
  }
}

const toUsage = (u: AiUsage): Usage => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
});

/**
 * The `text/event-stream` answer. Opens (status, headers, the saved user
 * message) with the first event written, never before.
 */
class SseWriter {
  opened = false;

  constructor(
    private readonly res: Response,
    private readonly userMessage: Message,
  ) {}

  delta(content: string): void {
    this.event('delta', { content });
  }

  done(data: DoneEventData): void {
    this.event('done', data);
    this.end();
  }

  error(data: ErrorEventData): void {
    this.event('error', data);
    this.end();
  }

  private open(): void {
    this.opened = true;
    const res = this.res;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    this.write('user_message', this.userMessage);
  }

  private event(name: string, data: unknown): void {
    if (!this.opened) this.open();
    this.write(name, data);
  }

  private write(name: string, data: unknown): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    // JSON has no raw line breaks, so each event is one `data:` line.
    this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private end(): void {
    if (!this.res.destroyed && !this.res.writableEnded) this.res.end();
  }
}
