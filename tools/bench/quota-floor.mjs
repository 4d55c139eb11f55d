#!/usr/bin/env node
/**
 * The floor for a quota read on this machine: a minimal `node:http` + `pg`
 * server that verifies the same JWT (HS256, a key made once) and runs the
 * same SQL the API ran for one `GET /api/chats/quota` (recorded by
 * quota-rate.mjs), with the caller's id in place of the recorded user's, as
 * named (prepared) statements, as the API runs them.
 * Started by quota-rate.mjs; not meant to be run by hand.
 *
 * Environment: PORT, DATABASE_URL, JWT_SECRET, FLOOR_STATEMENTS (a JSON file:
 * {userId, statements: [{text, values}]}).
 */
import jwt from 'jsonwebtoken';
import { createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import pg from 'pg';

const { userId, statements } = JSON.parse(
  readFileSync(process.env.FLOOR_STATEMENTS, 'utf8'),
);
const key = createSecretKey(Buffer.from(process.env.JWT_SECRET, 'utf8'));
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: 20, // as the API's pool
});

const param = (v, sub) =>
  v === null
    ? null
    : typeof v === 'object'
      ? Buffer.from(v.binary, 'hex')
      : v === userId
        ? sub
        : v;

async function quota(sub) {
  const client = await pool.connect();
  try {
    let rows = [];
    for (const [i, s] of statements.entries()) {
      // Named, so each connection parses and plans it once, as the API's
      // prepared statements are: planning the quota statement costs more
      // than running it.
      rows = (
        await client.query({
          name: `floor_${i}`,
          text: s.text,
          values: s.values.map((v) => param(v, sub)),
        })
      ).rows;
    }
    return rows;
  } finally {
    client.release();
  }
}

const server = createServer(async (req, res) => {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  let sub;
  try {
    sub = jwt.verify(m?.[1] ?? '', key, { algorithms: ['HS256'] }).sub;
  } catch {
    res.writeHead(401).end();
    return;
  }
  try {
    const body = JSON.stringify(await quota(sub));
    res
      .writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      })
      .end(body);
  } catch (err) {
    res.writeHead(500).end(String(err.message));
  }
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.env.PORT), '127.0.0.1', () =>
  process.send?.('listening'),
);
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  pool.end().then(() => process.exit(0));
});
