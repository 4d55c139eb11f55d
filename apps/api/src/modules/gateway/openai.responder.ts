import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../../common/api-error';
import type { FastifyReply } from 'fastify';
import { answerClosed, openEventStream } from '../../common/http/event-stream';
import { Clock } from '../usage/clock';
import type { CompletionEvent, OpenAiUsage } from './completion.service';
import type { AdmittedCompletion } from './gateway.service';
import { openAiError } from './openai-error';

/** A tool call put together from its streamed pieces. */
interface ToolCall {
  id?: string;
  type: string;
  function: { name: string; arguments: string };
}

/** Adds streamed `tool_calls` pieces (by `index`) to the calls so far. */
export function mergeToolCalls(calls: ToolCall[], pieces: unknown[]): void {
  for (const p of pieces as Array<Record<string, unknown>>) {
    const index = typeof p.index === 'number' ? p.index : calls.length;
    const call = (calls[index] ??= {
      type: 'function',
      function: { name: '', arguments: '' },
    });
    if (typeof p.id === 'string') call.id = p.id;
    if (typeof p.type === 'string') call.type = p.type;
    const fn = (p.function ?? {}) as { name?: unknown; arguments?: unknown };
    if (typeof fn.name === 'string') call.function.name += fn.name;
    if (typeof fn.arguments === 'string')
      call.function.arguments += fn.arguments;
  }
}

/** Other fields of a whole answer's message (reasoning, a refusal, a legacy function call), put together from their pieces. */
type OtherFields = Record<string, string | { name: string; arguments: string }>;

/** Adds one piece of another field to what came before (strings are joined, a function call's name and arguments too). */
export function mergeOther(
  others: OtherFields,
  field: string,
  delta: unknown,
): void {
  if (typeof delta === 'string') {
    const before = others[field];
    others[field] = (typeof before === 'string' ? before : '') + delta;
    return;
  }
  if (typeof delta !== 'object' || delta === null) return;
  const before = others[field];
  const call =
    typeof before === 'object' ? before : { name: '', arguments: '' };
  const piece = delta as { name?: unknown; arguments?: unknown };
  if (typeof piece.name === 'string') call.name += piece.name;
  if (typeof piece.arguments === 'string') call.arguments += piece.arguments;
  others[field] = call;
}

/**
 * Writes a completion's events in OpenAI's shapes: one `chat.completion`
 * JSON once the answer is complete, or `chat.completion.chunk` events
 * (opened with the first piece, so a failure before it keeps its status
 * and error body) ending in `data: [DONE]`; the usage chunk only when the
 * client asked for it. Reads every event to the end, also once the client
 * has left, so the answer is always settled.
 */
@Injectable()
export class OpenAiResponder {
  constructor(private readonly clock: Clock) {}

  json(
    res: FastifyReply,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    void res.headers(headers).code(200).send(body);
  }

  async completion(
    res: FastifyReply,
    c: AdmittedCompletion,
    events: AsyncIterable<CompletionEvent>,
  ): Promise<void> {
    const { stream, includeUsage } = c.request;
    const base = {
      id: c.id,
      object: 'chat.completion.chunk',
      created: c.created,
      model: c.model.id,
      system_fingerprint: null,
    };
    const usageField = includeUsage ? { usage: null } : {};
    let opened = false;
    let text = '';
    const calls: ToolCall[] = [];
    const others: OtherFields = {};
    const gone = () => answerClosed(res);
    const write = (data: unknown) => {
      if (gone()) return;
      if (!opened) {
        opened = true;
        openEventStream(res);
        write({
          ...base,
          choices: [
            {
              index: 0,
              delta: { role: 'assistant', content: '' },
              logprobs: null,
              finish_reason: null,
            },
          ],
          ...usageField,
        });
      }
      res.raw.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    const chunk = (delta: object, finish: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...usageField,
    });

    for await (const e of events) {
      if (gone()) continue;
      switch (e.kind) {
        case 'delta':
          if (stream) write(chunk({ content: e.content }));
          else text += e.content;
          break;
        case 'tool_calls':
          if (stream) write(chunk({ tool_calls: e.toolCalls }));
          else mergeToolCalls(calls, e.toolCalls);
          break;
        case 'other':
          if (stream) write(chunk({ [e.field]: e.delta }));
          else mergeOther(others, e.field, e.delta);
          break;
        case 'end':
          if (stream) this.endStream(write, chunk, e, base, includeUsage);
          else
            void res
              .code(200)
              .send(
                this.whole(c, text, calls, others, e.finishReason, e.usage),
              );
          if (stream && !gone()) {
            res.raw.write('data: [DONE]\n\n');
            res.raw.end();
          }
          break;
        case 'error':
          if (!opened) throw e.error;
          write(openAiError(e.error, this.clock.now()).body);
          res.raw.end();
          break;
      }
    }
    if (gone()) return;
    if (opened) return void res.raw.end();
    // Cut before its first piece (a shutdown's grace time was over).
    throw new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'SHUTTING_DOWN',
      'The server is shutting down; send again in a moment',
      {},
      { 'Retry-After': '5' },
    );
  }

  private endStream(
    write: (data: unknown) => void,
    chunk: (delta: object, finish: string | null) => unknown,
    e: { finishReason: string; usage: OpenAiUsage },
    base: object,
    includeUsage: boolean,
  ): void {
    write(chunk({}, e.finishReason));
    if (includeUsage) write({ ...base, choices: [], usage: e.usage });
  }

  private whole(
    c: AdmittedCompletion,
    text: string,
    calls: ToolCall[],
    others: OtherFields,
    finishReason: string,
    usage: OpenAiUsage,
  ) {
    const toolCalls = calls.filter(Boolean);
    return {
      id: c.id,
      object: 'chat.completion',
      created: c.created,
      model: c.model.id,
      system_fingerprint: null,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content:
              text === '' && (toolCalls.length > 0 || others.function_call)
                ? null
                : text,
            refusal: null,
            ...others,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
    };
  }
}
