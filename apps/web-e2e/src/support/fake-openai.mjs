/**
 * A tiny OpenAI-compatible provider on 127.0.0.1 for the browser tests:
 * `GET /v1/models` lists `models`; `POST /v1/chat/completions` answers
 * "Echo: <last user message>" word by word as server-sent events (or as one
 * JSON body without `stream`), then, when asked for
 * (`stream_options.include_usage`), a usage chunk: `usage` when set, else
 * prompt tokens = words of all messages + 4 per message, completion
 * tokens = words sent. Every request is kept in `requests`, body parsed.
 */
import { createServer } from 'node:http';

const words = (text) => String(text).split(/\s+/).filter(Boolean);

export async function startFakeOpenAi({
  models = ['fake-mini', 'fake-large'],
} = {}) {
  const requests = [];
  const sockets = new Set();
  const state = { usage: null };

  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      let body = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        body = {};
      }
      requests.push({
        method: req.method,
        path: req.url,
        headers: req.headers,
        body,
      });
      if (req.method === 'GET' && req.url === '/v1/models') {
        return json(res, 200, {
          object: 'list',
          data: models.map((id) => ({
            id,
            object: 'model',
            created: 0,
            owned_by: 'fake',
          })),
        });
      }
      if (req.method === 'POST' && req.url === '/v1/chat/completions') {
        return answer(res, body);
      }
      json(res, 404, { error: { message: 'no such route' } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function answer(res, body) {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const last = [...messages].reverse().find((m) => m.role === 'user');
    const cap = body.max_completion_tokens ?? body.max_tokens ?? Infinity;
    const reply = words(`Echo: ${last?.content ?? ''}`).slice(0, cap);
    const usage = state.usage ?? {
      prompt_tokens: messages.reduce(
        (n, m) => n + words(m.content ?? '').length + 4,
        0,
      ),
      completion_tokens: reply.length,
    };
    const total = {
      ...usage,
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
    };
    const id = `chatcmpl-${requests.length}`;
    const chunk = (delta, finish = null) => ({
      id,
      object: 'chat.completion.chunk',
      created: 0,
      model: body.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    if (!body.stream) {
      return json(res, 200, {
        id,
        object: 'chat.completion',
        created: 0,
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: reply.join(' ') },
            finish_reason: 'stop',
          },
        ],
        usage: total,
      });
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
    });
    const send = (data) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    send(chunk({ role: 'assistant', content: '' }));
    reply.forEach((word, i) =>
      send(chunk({ content: i === 0 ? word : ` ${word}` })),
    );
    send(chunk({}, 'stop'));
    if (body.stream_options?.include_usage) {
      send({
        id,
        object: 'chat.completion.chunk',
        created: 0,
        model: body.model,
        choices: [],
        usage: total,
      });
    }
    res.end('data: [DONE]\n\n');
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    /** The usage every answer reports from now on (null: counted). */
    setUsage(usage) {
      state.usage = usage;
    },
    /** The chat completion requests, bodies parsed. */
    completions() {
      return requests.filter((r) => r.path === '/v1/chat/completions');
    },
    async close() {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
