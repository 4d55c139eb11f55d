#!/usr/bin/env node
/**
 * The least a gateway can be: a node:http server that forwards each request
 * to the provider on a kept-alive connection and pipes the answer back, with
 * no authentication, no database and no parsing. The gateway benchmark runs
 * it as its own process, next to Tally, so the latency it adds is the floor
 * of any Node gateway on this machine.
 *
 *   node tools/bench/pass-through.mjs <provider base URL>
 *
 * Prints its own base URL (same path as the provider's) on stdout once listening.
 */
import { Agent, createServer, request } from 'node:http';

const target = new URL(process.argv[2]);
const agent = new Agent({ keepAlive: true });

const server = createServer((req, res) => {
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      path: req.url,
      method: req.method,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
});

server.listen(0, '127.0.0.1', () => {
  const base = new URL(target);
  base.port = String(server.address().port);
  process.stdout.write(`${base.href}\n`);
});
process.on('SIGTERM', () => process.exit(0));
