/**
 * A TCP proxy in front of PostgreSQL that can record the statements a client
 * sends (simple queries, and Parse + Bind of the extended protocol with their
 * text parameters), so a benchmark can replay exactly the SQL one API request
 * ran. Only the client-to-server direction is read; bytes pass unchanged.
 */
import { connect, createServer } from 'node:net';

/** Reads the frontend messages of one connection and reports statements. */
class FrontendParser {
  constructor(onStatement) {
    this.buf = Buffer.alloc(0);
    this.started = false;
    this.onStatement = onStatement;
    /** Named and unnamed prepared statements of this connection: name → text. */
    this.prepared = new Map();
  }

  push(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (!this.started) {
        if (this.buf.length < 8) return;
        const len = this.buf.readInt32BE(0);
        if (this.buf.length < len) return;
        const code = this.buf.readInt32BE(4);
        this.buf = this.buf.subarray(len);
        // SSLRequest / GSSENCRequest are followed by another start-up message.
        if (code !== 80877103 && code !== 80877104) this.started = true;
        continue;
      }
      if (this.buf.length < 5) return;
      const type = String.fromCharCode(this.buf[0]);
      const len = this.buf.readInt32BE(1);
      if (this.buf.length < 1 + len) return;
      const body = this.buf.subarray(5, 1 + len);
      this.buf = this.buf.subarray(1 + len);
      this.message(type, body);
    }
  }

  message(type, body) {
    const cstr = (at) => {
      const end = body.indexOf(0, at);
      return [body.toString('utf8', at, end), end + 1];
    };
    if (type === 'Q' || type === 'S') this.onSync?.();
    if (type === 'Q') {
      this.onStatement({ text: cstr(0)[0], values: [] });
    } else if (type === 'P') {
      const [name, at] = cstr(0);
      const [text] = cstr(at);
      this.prepared.set(name, text);
    } else if (type === 'B') {
      const [, afterPortal] = cstr(0);
      const [stmt, afterName] = cstr(afterPortal);
      let at = afterName;
      const nFormats = body.readInt16BE(at);
      const formats = [];
      at += 2;
      for (let i = 0; i < nFormats; i++, at += 2)
        formats.push(body.readInt16BE(at));
      const nParams = body.readInt16BE(at);
      at += 2;
      const values = [];
      for (let i = 0; i < nParams; i++) {
        const len = body.readInt32BE(at);
        at += 4;
        if (len < 0) {
          values.push(null);
          continue;
        }
        const binary = (formats.length === 1 ? formats[0] : formats[i]) === 1;
        values.push(
          binary
            ? { binary: body.subarray(at, at + len).toString('hex') }
            : body.toString('utf8', at, at + len),
        );
        at += len;
      }
      this.onStatement({ text: this.prepared.get(stmt) ?? '', values });
    }
  }
}

/**
 * Splits the backend's messages of one connection and calls `onReady` at
 * each ReadyForQuery ('Z'): the server has finished a statement (and its
 * commit, for one outside a transaction block).
 */
class ReadyWatcher {
  constructor(onReady) {
    this.pending = Buffer.alloc(0);
    this.skip = 0;
    this.onReady = onReady;
  }

  push(chunk) {
    // Only the 5-byte headers are read: bodies are stepped over, also when
    // one runs on into the next chunk (`skip` bytes of it are still body).
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = this.skip;
    while (at + 5 <= buf.length) {
      if (buf[at] === 0x5a) this.onReady();
      at += 1 + buf.readInt32BE(at + 1);
    }
    this.skip = Math.max(0, at - buf.length);
    this.pending = at < buf.length ? buf.subarray(at) : Buffer.alloc(0);
  }
}

/**
 * Starts the proxy on a free loopback port; `record(true)` starts collecting
 * statements. `waited()` is the time, in ms, the proxy's clients have waited
 * on PostgreSQL so far: from each Sync or simple query sent to the server
 * until its ReadyForQuery came back, summed over every connection (the
 * round trip to the server included, the hop to the proxy not).
 */
export async function startCaptureProxy(targetHost, targetPort) {
  let recording = false;
  let statements = [];
  let waitedNs = 0n;
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    const parser = new FrontendParser((s) => {
      if (recording) statements.push(s);
    });
    // Sent Syncs and simple queries not yet answered, oldest first.
    const sent = [];
    const watcher = new ReadyWatcher(() => {
      const since = sent.shift();
      if (since !== undefined) waitedNs += process.hrtime.bigint() - since;
    });
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    parser.onSync = () => sent.push(process.hrtime.bigint());
    client.on('data', (chunk) => {
      parser.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      watcher.push(chunk);
      client.write(chunk);
    });
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  return {
    port: server.address().port,
    record(on) {
      recording = on;
      if (on) statements = [];
      return statements;
    },
    waited: () => Number(waitedNs) / 1e6,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((ok) => server.close(ok));
    },
  };
}
