import type {
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import { ApiError } from '../api-error';
import { findIllFormedText, isWellFormedText } from '../well-formed-text';

/*
 * Text with a NUL character or an unpaired surrogate is refused here, at
 * the edge, for every route: the body as soon as it is parsed
 * (json-body.ts), the path parameters and the query before anything else
 * reads them. PostgreSQL cannot take such text, and a string reaches SQL
 * by many ways that no DTO sees (a guard's quota read of `?model=`, a
 * throttle keyed by the login's email, a route written later): once here,
 * none of them can turn a client's bad text into a 500. The answer is 400
 * `VALIDATION_FAILED` naming where (OpenAI's shape with `param` on /v1,
 * edge-errors.ts). Headers such as X-Request-Id have their own rules.
 */

/** How much of a field's name an answer repeats. */
const MAX_NAME = 200;

const shortened = (name: string): string =>
  name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name;

/** 400 `VALIDATION_FAILED`: `where` holds ill-formed text; `param` names it for OpenAI's shape. */
function illFormed(where: string, param: string | null): ApiError {
  return new ApiError(
    400,
    'VALIDATION_FAILED',
    `${where} must not contain a NUL character or an unpaired surrogate`,
    param === null ? {} : { param: shortened(param) },
  );
}

/** The error for the first ill-formed string of a parsed body, or null. */
export function illFormedBody(body: unknown): ApiError | null {
  const found = findIllFormedText(body);
  if (!found) return null;
  const { path, key } = found;
  const field = `body field ${shortened(path)}`;
  if (!key) return illFormed(path === '' ? 'the body' : field, path || null);
  return illFormed(
    path === '' ? 'a field name of the body' : `a field name of ${field}`,
    path || null,
  );
}

/**
 * An unpaired surrogate in a URL can only be sent as the bytes of its
 * UTF-16 code unit, percent-encoded (`%ED%A0%80` .. `%ED%BF%BF`), which are
 * not UTF-8: in the path Fastify refuses them (400, edge-errors.ts); in the
 * query its parser keeps them as they are, so they are looked for here.
 */
const ENCODED_SURROGATE = /%ed%[ab][0-9a-f]/i;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/** The error for the first ill-formed query parameter (name or value), or null. */
export function illFormedQuery(
  query: unknown,
  rawQuery: string,
): ApiError | null {
  if (ENCODED_SURROGATE.test(rawQuery)) {
    for (const pair of rawQuery.split('&')) {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      if (ENCODED_SURROGATE.test(name))
        return illFormed("a query parameter's name", null);
      if (ENCODED_SURROGATE.test(pair)) {
        const decoded = decodedName(name);
        return illFormed(`query parameter ${shortened(decoded)}`, decoded);
      }
    }
  }
  if (query === null || typeof query !== 'object') return null;
  for (const [name, value] of Object.entries(query)) {
    if (!isWellFormedText(name))
      return illFormed("a query parameter's name", null);
    // One value, or a repeated parameter's values.
    if (findIllFormedText(value))
      return illFormed(`query parameter ${shortened(name)}`, name);
  }
  return null;
}

/** The error for the first ill-formed path parameter, or null. */
export function illFormedParams(params: unknown): ApiError | null {
  if (params === null || typeof params !== 'object') return null;
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string' && !isWellFormedText(value))
      return illFormed(`path parameter ${name}`, name);
  }
  return null;
}

/** onRequest hook: the path parameters and the query hold well-formed text only. */
export function refuseIllFormedUrl(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const q = req.url.indexOf('?');
  done(
    illFormedParams(req.params) ??
      illFormedQuery(req.query, q === -1 ? '' : req.url.slice(q + 1)) ??
      undefined,
  );
}
