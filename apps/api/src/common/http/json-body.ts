import {
  errorCodes,
  type FastifyBodyParser,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
} from 'fastify';
import { checkJsonDepth } from '../json-depth';
import { unsupportedMediaType } from './edge-errors';
import { isApiPath, pathOf } from './paths';
import { illFormedBody } from './well-formed-input';

/** The media types read as JSON bodies: `application/json` and `application/*+json`. */
const JSON_MEDIA_TYPE = /^application\/(?:[^\s/;]+\+)?json$/i;

/** A `charset` parameter of a Content-Type header. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/** A JSON Content-Type whose charset, if it names one, is UTF-8 (all the parser reads). */
function isJsonContentType(header: string | undefined): boolean {
  const value = header ?? '';
  if (!JSON_MEDIA_TYPE.test(value.split(';', 1)[0].trim())) return false;
  const charset = CHARSET.exec(value)?.[1].toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/**
 * JSON is the only body the API reads. The parser checks the nesting depth
 * on the raw bytes, before parsing (64 levels: 400 `JSON_TOO_DEEP`), then
 * parses with Fastify's own parser. A body is an object or an array (`null`
 * or `"text"` alone is malformed, as for every JSON API), and its strings,
 * keys included, hold no NUL and no unpaired surrogate (400
 * `VALIDATION_FAILED`, well-formed-input.ts). An empty body is no body (the route's
 * validation decides), as it was before the API ran on Fastify. Too large is
 * Fastify's `bodyLimit` (413); every error is answered by `edgeErrorOf`.
 */
export function readJsonBodies(app: FastifyInstance, bodyLimit: number): void {
  // Fastify's parser takes the text or its bytes. A `__proto__` key is kept
  // as a plain field, which validation refuses as unknown (400, by name).
  const parse = app.getDefaultJsonParser(
    'ignore',
    'ignore',
  ) as FastifyBodyParser<string | Buffer>;
  const json: FastifyBodyParser<Buffer> = (req, raw, done) => {
    if (raw.length === 0) return done(null, undefined);
    if (!opensObjectOrArray(raw))
      return done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined);
    try {
      checkJsonDepth(raw);
    } catch (err) {
      return done(err as Error, undefined);
    }
    return parse(req, raw, (err, body) => {
      if (err) return done(err, undefined);
      const illFormed = illFormedBody(body);
      return illFormed ? done(illFormed, undefined) : done(null, body);
    });
  };
  app.removeAllContentTypeParsers();
  const options = { parseAs: 'buffer' as const, bodyLimit };
  app.addContentTypeParser('application/json', options, json);
  app.addContentTypeParser(
    /^application\/[^\s/;]+\+json(?:;|$)/i,
    options,
    json,
  );
}

/** The first character that is not white space opens an object or an array. */
function opensObjectOrArray(raw: Buffer): boolean {
  for (const c of raw) {
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x7b || c === 0x5b;
  }
  return false;
}

/**
 * A request to the API with a body in anything but JSON (in UTF-8) is 415, rather than
 * left unread (as if it were empty); GET and DELETE bodies too, which
 * Fastify would not read at all.
 */
export function refuseNonJsonBodies(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const { headers } = req;
  const hasBody =
    headers['transfer-encoding'] !== undefined ||
    Number(headers['content-length'] ?? 0) > 0;
  if (
    hasBody &&
    isApiPath(pathOf(req.url)) &&
    !isJsonContentType(headers['content-type'])
  ) {
    return done(unsupportedMediaType());
  }
  done();
}
