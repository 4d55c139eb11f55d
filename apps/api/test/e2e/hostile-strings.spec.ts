import {
  type FakeOpenAi,
  startFakeOpenAi,
} from '../support/fake-openai-server';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Hostile text in every string position of every operation the OpenAPI
 * document lists (/v1 included): each path parameter, each query parameter,
 * each top-level body field and the fields of its nested objects, an
 * unknown field, and the names of a body field and of a query parameter.
 * Text with a NUL or an unpaired surrogate is 400 `VALIDATION_FAILED`
 * (OpenAI's shape on /v1); no other text is taken for it; nothing is a 5xx;
 * the server still answers afterwards.
 */

interface Hostile {
  name: string;
  /** The value as a JSON string literal, written by hand: lone surrogates stay escaped. */
  json: string;
  /** The value as it goes in a URL: a surrogate as the bytes of its code unit, which is all a URL can carry. */
  url: string;
  /** Ill-formed text: must be 400 VALIDATION_FAILED. */
  refused: boolean;
}

const text = (name: string, value: string): Hostile => ({
  name,
  json: JSON.stringify(value),
  url: encodeURIComponent(value),
  refused: false,
});

const HOSTILE: Hostile[] = [
  {
    name: 'lone high surrogate',
    json: '"a\\ud800b"',
    url: 'a%ED%A0%80b',
    refused: true,
  },
  {
    name: 'lone low surrogate',
    json: '"a\\udc00b"',
    url: 'a%ED%B0%80b',
    refused: true,
  },
  { name: 'NUL', json: '"a\\u0000b"', url: 'a%00b', refused: true },
  text('100k characters', 'x'.repeat(100_000)),
  text('RTL and zero-width marks', '\u202egnp.exe\u200b\u200f\ufeff'),
  text('SQL', "'; DROP TABLE users; --"),
  text('path traversal', '../../etc/passwd'),
  text('JSON-looking', '{"role":"admin","$gt":""}'),
  text('emoji pair', '\ud83d\ude00\ud83d\udc4d\ud83c\udffd'),
];

/** What the edge says of ill-formed text, and of nothing else. */
const ILL_FORMED = /NUL character or an unpaired surrogate/;

/** Where a hostile value goes. */
type Position =
  | { in: 'path' | 'query'; name: string }
  | { in: 'query-name' }
  | { in: 'body'; name: string }
  | { in: 'body-name' };

/** A JSON schema, as much of it as is read here. */
interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
}

interface Operation {
  method: string;
  path: string;
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

const PLACEHOLDER = '@@hostile@@';

describe('hostile strings in every position of every operation (PostgreSQL)', () => {
  let t: TestApp;
  let fake: FakeOpenAi;
  let doc: {
    paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
    components: { schemas: Record<string, Schema> };
  };
  const tokens = { admin: '', user: '' };
  const ids: Record<string, string> = {};
  const user = {
    email: 'hostile-user@example.com',
    password: 'user-password-1',
  };
  let seq = 0;
  const fresh = (what: string) => `${what}-${++seq}`;

  /** A body each operation would accept (or refuse for its own reasons), fresh for every request. */
  const BASES: Record<string, () => Record<string, unknown>> = {
    'POST /api/auth/register': () => ({
      email: `${fresh('new')}@example.com`,
      password: 'password-123',
    }),
    'POST /api/auth/login': () => ({ ...user }),
    // A wrong current password: the user's password never changes here.
    'POST /api/auth/password': () => ({
      current_password: 'not-the-password',
      new_password: 'new-password-123',
    }),
    'POST /api/auth/api-keys': () => ({ name: 'key' }),
    'POST /api/chats': () => ({ title: 'chat' }),
    'POST /api/chats/{id}/messages': () => ({ content: 'hello' }),
    'POST /api/admin/users': () => ({
      email: `${fresh('created')}@example.com`,
      password: 'password-123',
    }),
    'PATCH /api/admin/users/{id}': () => ({ name: 'victim' }),
    'POST /api/admin/connections': () => ({ name: 'conn', base_url: fake.url }),
    'POST /api/admin/models': () => ({
      id: fresh('model'),
      name: 'Model',
      connection_id: ids.connection,
      upstream_model: 'upstream',
      input_price: 0,
      output_price: 0,
    }),
    'POST /api/admin/groups': () => ({ name: fresh('group') }),
    'POST /api/admin/limits': () => ({
      subject: 'group',
      subject_id: ids.group,
      metric: 'messages',
      window: 'day',
      amount: 3,
    }),
    'PATCH /api/admin/limits/{id}': () => ({ amount: 3 }),
    'POST /api/admin/users/{id}/grants': () => ({
      metric: 'messages',
      window: 'day',
      amount: 1,
    }),
    'POST /v1/chat/completions': () => ({
      model: 'local',
      messages: [{ role: 'user', content: 'hello' }],
    }),
  };

  /** The id a path parameter of an operation names: an object that exists and the caller may see. */
  function idFor(path: string, param: string): string {
    if (param === 'user_id') return ids.victim;
    const segment = path.split(`/{${param}}`)[0].split('/').pop() ?? '';
    const id = path.startsWith('/v1/')
      ? { models: 'local' }[segment]
      : {
          'api-keys': ids.apiKey,
          chats: ids.chat,
          users: ids.victim,
          connections: ids.connection,
          models: ids.model,
          groups: ids.group,
          limits: ids.limit,
          requests: ids.request,
        }[segment];
    if (!id) throw new Error(`no object for {${param}} of ${path}`);
    return id;
  }

  const resolve = (s: Schema | undefined): Schema | undefined =>
    s?.$ref ? doc.components.schemas[s.$ref.split('/').pop() ?? ''] : s;

  const takesText = (s: Schema | undefined): boolean => {
    const r = resolve(s);
    return r?.type === 'string' || !!r?.oneOf?.some((o) => takesText(o));
  };

  /** Each top-level field, and the text fields of the objects (or strings) it holds. */
  function bodyFields(schema: Schema | undefined): string[] {
    const out: string[] = [];
    for (const [name, prop] of Object.entries(
      resolve(schema)?.properties ?? {},
    )) {
      out.push(name);
      const p = resolve(prop);
      const item = p?.type === 'array' ? resolve(p.items) : undefined;
      if (item && takesText(item)) out.push(`${name}[0]`);
      const inner = item?.properties ? item : p?.properties ? p : undefined;
      const prefix = item?.properties ? `${name}[0]` : name;
      for (const [sub, s] of Object.entries(inner?.properties ?? {})) {
        if (takesText(s)) out.push(`${prefix}.${sub}`);
      }
    }
    return out;
  }

  /** Every position of an operation. */
  function positionsOf(op: Operation): Position[] {
    const out: Position[] = [];
    for (const p of op.parameters ?? []) {
      if (p.in === 'path' || p.in === 'query')
        out.push({ in: p.in, name: p.name });
    }
    out.push({ in: 'query', name: 'unknown_parameter' }, { in: 'query-name' });
    const schema = op.requestBody?.content['application/json']?.schema;
    if (op.requestBody) {
      for (const name of bodyFields(schema)) out.push({ in: 'body', name });
      out.push({ in: 'body', name: 'unknown_field' }, { in: 'body-name' });
    }
    return out;
  }

  /** Sets `field` (`a`, `a[0]`, `a[0].b`, `a.b`) of a body to the placeholder. */
  function place(body: Record<string, unknown>, field: string): void {
    const [, top, index, sub] =
      /^([^.[]+)(\[0\])?(?:\.(.+))?$/.exec(field) ?? [];
    if (!index && !sub) {
      body[top] = PLACEHOLDER;
      return;
    }
    const current = body[top];
    if (index) {
      const first = Array.isArray(current) ? current[0] : undefined;
      const item =
        sub === undefined
          ? PLACEHOLDER
          : { ...(typeof first === 'object' ? first : {}), [sub]: PLACEHOLDER };
      body[top] = [item];
    } else {
      body[top] = {
        ...(typeof current === 'object' ? current : {}),
        [sub]: PLACEHOLDER,
      };
    }
  }

  interface Request {
    url: string;
    raw?: string;
    /** The `param` the edge names for ill-formed text here; null: none (a name). */
    param: string | null;
  }

  function requestOf(op: Operation, at: Position, value: Hostile): Request {
    let path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
      at.in === 'path' && at.name === name ? value.url : idFor(op.path, name),
    );
    if (at.in === 'query') path += `?${at.name}=${value.url}`;
    if (at.in === 'query-name') path += `?${value.url}=1`;
    let raw: string | undefined;
    if (op.requestBody) {
      const body = BASES[`${op.method} ${op.path}`]?.() ?? {};
      if (at.in === 'body') place(body, at.name);
      if (at.in === 'body-name') body[PLACEHOLDER] = 1;
      raw = JSON.stringify(body).replace(`"${PLACEHOLDER}"`, () => value.json);
    }
    const param =
      at.in === 'query-name' || at.in === 'body-name' ? null : at.name;
    return { url: path, raw, param };
  }

  /** Sends one request; what is wrong with the answer, or null. */
  async function probe(
    op: Operation,
    at: Position,
    value: Hostile,
  ): Promise<string | null> {
    const req = requestOf(op, at, value);
    const admin = op.path.startsWith('/api/admin');
    const res = await fetch(t.url + req.url, {
      method: op.method,
      headers: {
        authorization: `Bearer ${admin ? tokens.admin : tokens.user}`,
        ...(req.raw !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
      },
      body: req.raw,
    });
    const answer = await res.text();
    const what = `${op.method} ${op.path} [${at.in}${'name' in at ? ` ${at.name}` : ''}: ${value.name}] ${req.url.slice(0, 100)} ${req.raw?.slice(0, 100) ?? ''} → ${res.status} ${answer.slice(0, 200)}`;
    if (res.status >= 500) return `${what} (a server error)`;
    if (!value.refused) {
      return ILL_FORMED.test(answer)
        ? `${what} (taken for ill-formed text)`
        : null;
    }
    let body: {
      statusCode?: unknown;
      error?: unknown;
      code?: unknown;
      message?: unknown;
      param?: unknown;
    };
    try {
      body = JSON.parse(answer);
    } catch {
      return `${what} (not JSON)`;
    }
    if (res.status !== 400) return `${what} (not 400)`;
    // In the path, Fastify refuses the surrogate's bytes as malformed percent-encoding.
    const byEdge = !(at.in === 'path' && value.name !== 'NUL');
    if (op.path.startsWith('/v1/')) {
      const e = body.error as Record<string, unknown> | undefined;
      if (
        e?.type !== 'invalid_request_error' ||
        e.code !== 'VALIDATION_FAILED' ||
        typeof e.message !== 'string' ||
        (byEdge && (e.param ?? null) !== req.param)
      )
        return `${what} (not OpenAI's invalid_request_error with param ${req.param})`;
      return null;
    }
    if (
      body.statusCode !== 400 ||
      body.error !== 'Bad Request' ||
      body.code !== 'VALIDATION_FAILED' ||
      typeof body.message !== 'string' ||
      (byEdge && (body.param ?? null) !== req.param)
    )
      return `${what} (not API.md's 400 VALIDATION_FAILED with param ${req.param})`;
    return null;
  }

  /**
   * Every value, but where a name the route does not know is refused by
   * that name before its value is read (the unknown field and query
   * parameter, the hostile names; /v1 passes unknown body fields on): there
   * only the ill-formed text and the emoji pair, to keep the requests few.
   */
  function valuesFor(op: Operation, at: Position): Hostile[] {
    const byName =
      at.in === 'query-name' ||
      (at.in === 'query' && at.name === 'unknown_parameter') ||
      (!op.path.startsWith('/v1/') &&
        (at.in === 'body-name' ||
          (at.in === 'body' && at.name === 'unknown_field')));
    return byName
      ? HOSTILE.filter((v) => v.refused || v.name === 'emoji pair')
      : HOSTILE;
  }

  const operations = (): Operation[] =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        ...op,
        method: method.toUpperCase(),
        path,
      })),
    );

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    t = await startTestApp({
      // Wrong logins and passwords here are many; none may be throttled instead.
      env: { LOGIN_MAX_ATTEMPTS: '10000' },
    });
    tokens.admin = await t.login();
    tokens.user = (await t.register(user.email, user.password)).token;
    ids.victim = (await t.register()).id;
    ids.chat = await t.newChat(tokens.user, 'Mine');
    const as = (token: string) => ({ token });
    const created = async (path: string, body: unknown, token: string) => {
      const res = await t.http.post(path, body, as(token));
      if (res.status !== 201)
        throw new Error(`${path}: ${res.status} ${res.text}`);
      return res.body as { id: string };
    };
    ids.apiKey = (
      await created('/api/auth/api-keys', { name: 'k' }, tokens.user)
    ).id;
    ids.group = (
      await created('/api/admin/groups', { name: 'Hostile' }, tokens.admin)
    ).id;
    ids.limit = (
      await created(
        '/api/admin/limits',
        {
          subject: 'group',
          subject_id: ids.group,
          metric: 'messages',
          window: 'day',
          amount: 3,
        },
        tokens.admin,
      )
    ).id;
    ids.connection = (
      await created(
        '/api/admin/connections',
        { name: 'Fake', base_url: fake.url },
        tokens.admin,
      )
    ).id;
    ids.model = (
      await created(
        '/api/admin/models',
        {
          id: 'hostile-model',
          name: 'Hostile',
          connection_id: ids.connection,
          upstream_model: 'up',
          input_price: 0,
          output_price: 0,
        },
        tokens.admin,
      )
    ).id;
    // A row of the request log: a completion the user was refused.
    await t.http.post(
      '/v1/chat/completions',
      { model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] },
      { token: tokens.user },
    );
    [{ id: ids.request }] = await t.query<{ id: string }>(
      'SELECT id FROM gateway_requests LIMIT 1',
    );
    doc = (await t.http.get('/api/docs-json')).body;
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('reads every operation of the document, /v1 included, with a place for each hostile value', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(50);
    expect(ops.map((o) => o.path)).toEqual(
      expect.arrayContaining([
        '/v1/chat/completions',
        '/v1/models/{id}',
        '/api/auth/login',
      ]),
    );
    // Nested fields are reached: in an array of objects, an array of strings.
    const positions = (path: string) =>
      positionsOf(
        ops.find((o) => o.path === path && o.method === 'POST') as Operation,
      );
    expect(positions('/v1/chat/completions')).toContainEqual({
      in: 'body',
      name: 'messages[0].content',
    });
    expect(positions('/api/auth/api-keys')).toContainEqual({
      in: 'body',
      name: 'models[0]',
    });
  });

  it('never answers a 5xx; NUL and lone surrogates are 400 VALIDATION_FAILED, other text is not', async () => {
    const problems: string[] = [];
    let sent = 0;
    for (const op of operations()) {
      for (const at of positionsOf(op)) {
        for (const value of valuesFor(op, at)) {
          const problem = await probe(op, at, value);
          sent++;
          if (problem) problems.push(problem);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(500);
  });

  it('still answers afterwards, and takes an emoji pair as text', async () => {
    expect((await t.http.get('/api/health')).status).toBe(200);
    expect((await t.http.post('/api/auth/login', user)).status).toBe(200);
    const emoji = '\ud83d\ude00\ud83d\udc4d\ud83c\udffd';
    const renamed = await t.http.patch(
      `/api/chats/${ids.chat}`,
      { title: emoji },
      { token: tokens.user },
    );
    expect([renamed.status, renamed.body.title]).toEqual([200, emoji]);
  });
});
