import { Injectable } from '@nestjs/common';
import type { Message, Quota, SendMessageResponse } from '@tally/api-contract';
import type { Response } from 'express';
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
    res: Response,
    events: AsyncIterable<AnswerEvent>,
    stream: boolean,
  ): Promise<void> {
    const sse = new SseWriter(res);
    let userMessage: Message | null = null;
    for await (const e of events) {
      // The client left: nothing more to say, but the answer still ends.
      if (res.destroyed || res.writableEnded) continue;
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
            res.status(200).json(body);
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

  private setRateLimitHeaders(res: Response, quota: Quota): void {
    if (!res.headersSent) res.set(this.usage.rateLimitHeaders(quota));
  }
}

/** The `text/event-stream` answer: opens (status, headers, the saved user message) with the first event written. */
class SseWriter {
  opened = false;
  userMessage: Message | null = null;

  constructor(private readonly res: Response) {}

  event(name: string, data: unknown): void {
    if (!this.opened) this.open();
    this.write(name, data);
  }

  end(): void {
    if (!this.res.destroyed && !this.res.writableEnded) this.res.end();
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
    if (this.userMessage) this.write('user_message', this.userMessage);
  }

  private write(name: string, data: unknown): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    // JSON has no raw line breaks, so each event is one `data:` line.
    this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }
}
