import { Injectable } from '@nestjs/common';
import type { Message, Quota, SendMessageResponse } from '@tally/api-contract';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { answerClosed, openEventStream } from '../../common/http/event-stream';
import { UsageService } from '../usage/usage.service';
import type { AnswerEvent } from './answer-events';

/**
 * Writes an answer's events to the HTTP response: `text/event-stream`
 * (opened with the first piece of the answer, never before, so a failure
 * before it keeps its HTTP status and JSON body), or with `?stream=false`
 * one JSON body once the answer is complete. Reads every event to the end,
 * also once the client has left, so the answer is always stored and settled.
 */
@Injectable()
export class AnswerResponder {
  constructor(private readonly usage: UsageService) {}

  async write(
    res: FastifyReply,
    events: AsyncIterable<AnswerEvent>,
    stream: boolean,
  ): Promise<void> {
    const sse = new SseWriter(res);
    let userMessage: Message | null = null;
    for await (const e of events) {
      // The client left: nothing more to say, but the answer still ends.
      if (answerClosed(res)) continue;
      switch (e.event) {
        case 'user_message':
          userMessage = e.data;
          sse.userMessage = e.data;
          break;
        case 'delta':
          if (stream) sse.event('delta', e.data);
          break;
        case 'done':
          if (stream) {
            sse.event('done', e.data);
            sse.end();
          } else {
            this.setRateLimitHeaders(res, e.data.quota);
            const body: SendMessageResponse = {
              user_message: userMessage as Message,
              ...e.data,
            };
            void res.code(200).send(body);
          }
          break;
        case 'error':
          if (!sse.opened) {
            if (e.quota) this.setRateLimitHeaders(res, e.quota);
            throw e.cause;
          }
          sse.event('error', e.data);
          sse.end();
          break;
      }
    }
  }

  private setRateLimitHeaders(res: FastifyReply, quota: Quota): void {
    if (!res.sent) res.headers(this.usage.rateLimitHeaders(quota));
  }
}

/** The `text/event-stream` answer: opens (status, headers, the saved user message) with the first event written. */
class SseWriter {
  userMessage: Message | null = null;
  private res: ServerResponse | null = null;

  constructor(private readonly reply: FastifyReply) {}

  get opened(): boolean {
    return this.res !== null;
  }

  event(name: string, data: unknown): void {
    if (!this.res) this.open();
    this.write(name, data);
  }

  end(): void {
    if (!answerClosed(this.reply)) this.reply.raw.end();
  }

  private open(): void {
    this.res = openEventStream(this.reply);
    if (this.userMessage) this.write('user_message', this.userMessage);
  }

  private write(name: string, data: unknown): void {
    if (!this.res || answerClosed(this.reply)) return;
    // JSON has no raw line breaks, so each event is one `data:` line.
    this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }
}
