#!/usr/bin/env node
/**
 * The minimal quota handler of quota-floor.mjs inside NestJS 11: one
 * controller, one guard verifying the JWT, the same recorded SQL, on the
 * Express adapter or the Fastify one (NEST_ADAPTER=express|fastify). It
 * prices the framework and its HTTP adapter alone, for the question whether
 * moving the API to Fastify would pay. Started by quota-rate.mjs for the
 * targets `nest-express` and `nest-fastify` (BENCH_RATE_TARGETS), from a copy
 * in BENCH_NEST_DIR: a folder where `npm install @nestjs/core@11
 * @nestjs/common@11 @nestjs/platform-express@11 @nestjs/platform-fastify@11
 * rxjs reflect-metadata pg jsonwebtoken` was run (the Express adapter is no
 * dependency of Tally since its API moved to Fastify); without it,
 * `nest-fastify` runs from Tally's own node_modules.
 *
 * Environment: as quota-floor.mjs, plus NEST_ADAPTER.
 */
require('reflect-metadata');
const {
  Controller,
  Get,
  Injectable,
  Module,
  Req,
  UnauthorizedException,
  UseGuards,
} = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const jwt = require('jsonwebtoken');
const { createSecretKey } = require('node:crypto');
const { readFileSync } = require('node:fs');
const pg = require('pg');

const { userId, statements } = JSON.parse(
  readFileSync(process.env.FLOOR_STATEMENTS, 'utf8'),
);
const key = createSecretKey(Buffer.from(process.env.JWT_SECRET, 'utf8'));
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: 20,
});

async function quota(sub) {
  const client = await pool.connect();
  try {
    let rows = [];
    for (const [i, s] of statements.entries()) {
      const values = s.values.map((v) =>
        v === null
          ? null
          : typeof v === 'object'
            ? Buffer.from(v.binary, 'hex')
            : v === userId
              ? sub
              : v,
      );
      // Named, as quota-floor.mjs and the API run them: parsed and planned once per connection.
      rows = (await client.query({ name: `nest_${i}`, text: s.text, values }))
        .rows;
    }
    return rows;
  } finally {
    client.release();
  }
}

class JwtGuard {
  canActivate(ctx) {
    const req = ctx.switchToHttp().getRequest();
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    try {
      req.user = jwt.verify(m?.[1] ?? '', key, { algorithms: ['HS256'] });
      return true;
    } catch {
      throw new UnauthorizedException();
    }
  }
}
Injectable()(JwtGuard);

class QuotaController {
  quota(req) {
    return quota(req.user.sub);
  }
}
const method = Object.getOwnPropertyDescriptor(
  QuotaController.prototype,
  'quota',
);
Req()(QuotaController.prototype, 'quota', 0);
Get('quota')(QuotaController.prototype, 'quota', method);
UseGuards(JwtGuard)(QuotaController);
Controller('api/chats')(QuotaController);

class AppModule {}
Module({ controllers: [QuotaController], providers: [JwtGuard] })(AppModule);

async function main() {
  const adapter =
    process.env.NEST_ADAPTER === 'fastify'
      ? new (require('@nestjs/platform-fastify').FastifyAdapter)()
      : undefined;
  const app = adapter
    ? await NestFactory.create(AppModule, adapter, { logger: false })
    : await NestFactory.create(AppModule, { logger: false });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.send?.('listening');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
