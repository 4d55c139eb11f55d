import type { FastifyReply } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Takes the answer over from Fastify and opens it as `text/event-stream`
 * (200), with the headers set on the reply so far (RateLimit, for one); the
 * caller writes the events to the response returned.
 */
export function openEventStream(reply: FastifyReply): ServerResponse {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = value;
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  return res;
}

/** Nothing more can be written: the client left, or the answer has ended. */
export const answerClosed = (reply: FastifyReply): boolean =>
  reply.raw.destroyed || reply.raw.writableEnded;
