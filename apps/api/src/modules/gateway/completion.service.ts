import { HttpException, Injectable, Logger } from '@nestjs/common';
import type { GatewayRequestStatus } from '@tally/api-contract';
import { ApiError } from '../../common/api-error';
import { isDatabaseUnavailable } from '../../common/all-exceptions.filter';
import {
  AiAbortedError,
  AiProviderError,
  type AiUsage,
  isAiFailure,
  type OtherOutputField,
  TokenCounter,
  toolCallText,
} from '../ai';
import { MetricsService } from '../metrics/metrics.service';
import { costOf } from '../models/cost';
import type { Charge } from '../usage/lease';
import type { AdmittedCompletion } from './gateway.service';
import { RequestLogService } from './request-log.service';

/** OpenAI's usage object. */
export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What an answer says, in order, for the responder to write as JSON or chunks. */
export type CompletionEvent =
  | { kind: 'delta'; content: string }
  | { kind: 'tool_calls'; toolCalls: unknown[] }
  /** Another field of the answer's delta (reasoning, a refusal, a legacy function call), passed on as it came. */
  | { kind: 'other'; field: OtherOutputField; delta: unknown }
  | { kind: 'end'; finishReason: string; usage: OpenAiUsage }
  /** The answer failed (the provider, or storing it); the error is answered as it is if nothing was written yet. */
  | { kind: 'error'; error: HttpException };

interface Outcome {
  status: Exclude<GatewayRequestStatus, 'refused'>;
  seconds: number;
  text: string;
  finishReason: string;
  usage: AiUsage | null;
  failure: HttpException | null;
}

/**
 * Runs an admitted completion to its end: streams from the model's
 * provider (the request passed through), then settles the lease with what
 * was used and, in the same statement, writes the request's log row;
 * however it ends (complete, provider error, client gone). The events are
 * read to the end whether or not the client still listens.
 */
@Injectable()
export class CompletionService {
  private readonly logger = new Logger('Gateway');

  constructor(
    private readonly tokens: TokenCounter,
    private readonly log: RequestLogService,
    private readonly metrics: MetricsService,
  ) {}

  async *answer(c: AdmittedCompletion): AsyncGenerator<CompletionEvent> {
    const { lease, model, user } = c;
    if (!lease.start()) {
      await this.logOnly(c, 'cancelled');
      return;
    }
    const upstream = new AbortController();
    const cancel = () => upstream.abort();
    if (c.signal.aborted || lease.cut.aborted) cancel();
    c.signal.addEventListener('abort', cancel, { once: true });
    lease.cut.addEventListener('abort', cancel, { once: true });
    /** The provider's stream ran to its end (or failed): nothing upstream is left to stop. */
    let ran = false;
    try {
      const outcome: Outcome = yield* this.run(c, upstream.signal);
      ran = true;
      this.observe(c, outcome);
      // Never more than the hold: what is charged and what is logged agree.
      const usage = outcome.usage ? lease.bound(outcome.usage) : null;
      const cost = usage
        ? costOf(usage.promptTokens, usage.completionTokens, model.prices)
        : null;
      const charge: Charge = usage
        ? {
            promptTokens: usage.promptTokens,
            completionTokens: usage.completionTokens,
            charged: true,
            model: model.id,
            cost: cost ?? 0,
          }
        : { promptTokens: 0, completionTokens: 0, charged: false };
      const settled = await lease.settle(
        charge,
        this.log.rider({
          userId: user.id,
          apiKeyId: user.apiKeyId,
          model: model.id,
          status: outcome.status,
          code: outcome.failure ? failureCode(outcome.failure) : null,
          promptTokens: usage?.promptTokens ?? null,
          completionTokens: usage?.completionTokens ?? null,
          cost,
          cutBy:
            outcome.status === 'complete'
              ? lease.cutBy(outcome.finishReason)
              : null,
          startedAt: c.startedAt,
          durationMs: Date.now() - c.startedAt,
        }),
      );
      if (settled.error || !settled.stored) {
        yield { kind: 'error', error: storeFailure(settled.error) };
        return;
      }
      if (outcome.failure) {
        yield { kind: 'error', error: outcome.failure };
        return;
      }
      if (outcome.status === 'complete' && usage)
        yield {
          kind: 'end',
          finishReason: outcome.finishReason,
          usage: {
            prompt_tokens: usage.promptTokens,
            completion_tokens: usage.completionTokens,
            total_tokens: usage.promptTokens + usage.completionTokens,
          },
        };
    } finally {
      c.signal.removeEventListener('abort', cancel);
      lease.cut.removeEventListener('abort', cancel);
      // Stopped early (the reader returned): the provider's request must not keep running.
      if (!ran) upstream.abort();
      await lease.release();
    }
  }

  /** Streams the provider's answer, yielding its pieces; never throws. */
  private async *run(
    c: AdmittedCompletion,
    signal: AbortSignal,
  ): AsyncGenerator<CompletionEvent, Outcome> {
    const { request, model, lease } = c;
    const provider = model.provider;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let text = '';
    /** The tool calls' names and arguments received (toolCallText), and other output. */
    let calls = '';
    let finishReason = 'stop';
    let usage: AiUsage | null = null;
    // Without the provider's usage: the prompt estimate admitted, and the output received.
    const estimate = () =>
      this.tokens.usageOf(lease.promptTokens, text + calls);
    try {
      for await (const e of provider.stream({
        messages: request.textMessages,
        maxOutputTokens: lease.outputCap,
        promptTokens: lease.promptTokens,
        signal,
        passthrough: { messages: request.messages, fields: request.fields },
      })) {
        if (e.type === 'usage') usage = e.usage;
        else if (e.type === 'finish') finishReason = e.reason;
        else if (e.type === 'tool_calls') {
          calls += toolCallText(e.toolCalls);
          yield { kind: 'tool_calls', toolCalls: e.toolCalls };
        } else if (e.type === 'other') {
          calls += e.text;
          yield { kind: 'other', field: e.field, delta: e.delta };
        } else {
          if (text === '')
            this.metrics.aiLatency.observe(
              { provider: provider.name },
              seconds(),
            );
          text += e.content;
          yield { kind: 'delta', content: e.content };
        }
      }
      return {
        status: 'complete',
        seconds: seconds(),
        text,
        finishReason,
        usage: usage ?? estimate(),
        failure: null,
      };
    } catch (err) {
      const cancelled = err instanceof AiAbortedError || signal.aborted;
      return {
        status: cancelled ? 'cancelled' : 'error',
        seconds: seconds(),
        text,
        finishReason,
        // What was used is charged; a failure before any output is not.
        usage: cancelled || text !== '' || calls !== '' ? estimate() : null,
        failure: cancelled ? null : this.asFailure(err, model.id),
      };
    }
  }

  /** The same AI metrics as a chat answer's. */
  private observe(c: AdmittedCompletion, outcome: Outcome): void {
    const provider = c.model.provider.name;
    this.metrics.aiDuration.observe(
      { provider, status: outcome.status },
      outcome.seconds,
    );
    if (!outcome.usage) return;
    this.metrics.aiTokens.inc(
      { provider, kind: 'prompt' },
      outcome.usage.promptTokens,
    );
    this.metrics.aiTokens.inc(
      { provider, kind: 'completion' },
      outcome.usage.completionTokens,
    );
  }

  /** A completion given back before it started: only its log row. */
  private async logOnly(
    c: AdmittedCompletion,
    status: GatewayRequestStatus,
  ): Promise<void> {
    await this.log
      .insert({
        userId: c.user.id,
        apiKeyId: c.user.apiKeyId,
        model: c.model.id,
        status,
        code: null,
        promptTokens: null,
        completionTokens: null,
        cost: null,
        startedAt: c.startedAt,
        durationMs: Date.now() - c.startedAt,
      })
      .catch(() => undefined);
  }

  private asFailure(err: unknown, model: string): HttpException {
    if (isAiFailure(err)) {
      this.logger.warn(`Gateway answer of "${model}" failed: ${err.message}`);
      return err;
    }
    this.logger.error(
      `Unexpected AI failure of "${model}": ${(err as Error)?.stack ?? String(err)}`,
    );
    return new AiProviderError('The AI provider failed unexpectedly', null, {
      cause: err,
    });
  }
}

const failureCode = (e: HttpException): string =>
  String((e.getResponse() as { code?: unknown }).code ?? 'AI_PROVIDER_ERROR');

function storeFailure(err: unknown): HttpException {
  return isDatabaseUnavailable(err)
    ? new ApiError(
        503,
        'DATABASE_UNAVAILABLE',
        'The database is unreachable; the answer was not recorded',
      )
    : new ApiError(500, 'INTERNAL_ERROR', 'The answer could not be recorded');
}
