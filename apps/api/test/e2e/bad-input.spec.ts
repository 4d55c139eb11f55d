import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Every route, called by an admin and by a user with valid credentials,
 * gets hostile input: wrong JSON types, nulls, huge, negative and
 * fractional numbers, arrays and scalars for bodies, NUL characters, very
 * long strings, malformed and uppercase ids, impossible dates, bad enum
 * values, repeated and unknown query parameters. Every answer must be a 4xx
 * in API.md's error shape, and nothing may change in the database.
 */

/** JSON text of a value, so that `1e400` and other values JSON.stringify cannot write can be sent. */
type Raw = string;
const json = (value: unknown): Raw => JSON.stringify(value);

const LONG = 'x'.repeat(100_000);
const NUL = ['"a\\u0000b"', '"\\u0000"'];
const NOT_A_STRING = ['42', '0', 'true', '{}', '[]', '["x"]', '{"a":"b"}'];
const NOT_A_NUMBER = ['"5"', 'true', 'false', '{}', '[]', '[3]', '"1\\u0000"'];
const BAD_NUMBERS = [
  '-1',
  '-0.5',
  '1.5',
  '2147483648',
  '9007199254740993',
  '1e20',
  '1e400',
  '-1e400',
];

/** How a body field can be wrong. */
const BAD: Record<string, Raw[]> = {
  text: [...NOT_A_STRING, 'null', ...NUL, json(LONG)],
  requiredText: [...NOT_A_STRING, 'null', ...NUL, json(LONG), '""', '"   "'],
  email: [
    ...NOT_A_STRING,
    'null',
    ...NUL,
    json(LONG),
    '""',
    '"not an email"',
    '"a\\u0000@example.com"',
    json(`${'e'.repeat(250)}@example.com`),
  ],
  password: [...NOT_A_STRING, 'null', ...NUL, '""', '"short"', json(LONG)],
  content: [...NOT_A_STRING, 'null', ...NUL, json(LONG), '""', '" \\n\\t "'],
  role: [
    ...NOT_A_STRING,
    'null',
    '"root"',
    '"ADMIN"',
    '""',
    '["admin"]',
    '"admin\\u0000"',
  ],
  bool: ['"true"', '"false"', '0', '1', 'null', '[]', '{}', '"yes"', '[true]'],
  limit: [...NOT_A_NUMBER, ...BAD_NUMBERS, '"null"'],
  count: [...NOT_A_NUMBER, ...BAD_NUMBERS, 'null'],
  streams: [...NOT_A_NUMBER, ...BAD_NUMBERS, 'null', '0', '101'],
  /** An enum value (subject, metric, window). */
  choice: [...NOT_A_STRING, 'null', '""', '"DAY"', '"x\\u0000"', '["day"]'],
  /** A model id, or null. */
  model: [...NOT_A_STRING, ...NUL, '""', '"Not An Id"', json('m'.repeat(65))],
  /** A limit's amount: a whole number 0..2^53-1. */
  amount: [
    ...NOT_A_NUMBER,
    'null',
    '-1',
    '1.5',
    '9007199254740992',
    '1e20',
    '1e400',
    '-1e400',
  ],
  timezone: [
    ...NOT_A_STRING,
    'null',
    ...NUL,
    json(LONG),
    '""',
    '"Mars/Olympus"',
    '"UTC\\u0000"',
    '"utc "',
  ],
};

/** Whole bodies that are not the object a route expects. */
const BAD_BODIES: Raw[] = [
  '[]',
  '[{}]',
  '"a string"',
  '5',
  'null',
  'true',
  '{"unterminated": ',
  '{"__proto__": {"role": "admin"}}',
  '{"constructor": {"prototype": {}}}',
];

/** Query values that are wrong whatever the parameter. */
const BAD_PAGE_SIZE = [
  '0',
  '-1',
  '201',
  '1.5',
  '1e2',
  '0x10',
  'abc',
  '',
  '%00',
  '99999999999999999999',
];
const BAD_PAGE = BAD_PAGE_SIZE.filter((v) => v !== '201');
const BAD_DAY = [
  '2026-02-30',
  '2026-13-01',
  '2026-02-29',
  'yesterday',
  'today',
  '',
  '20261128',
  '2026-11-28T00:00:00Z',
  '0000-01-01',
  '99999-01-01',
  '%00',
  '2026-11-28%00',
];
const BAD_UUID_QUERY = ['not-a-uuid', '', '123', '%00', 'x'.repeat(300)];

interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The path, with `:id` for the route parameter (and `:user_id` for the user's id). */
  path: string;
  /** A body that would be accepted, with the kind of each field. */
  body?: { valid: Record<string, unknown>; fields: Record<string, string> };
  /** Query parameters the route takes, with bad values for each. */
  query?: Record<string, string[]>;
  /** Only the admin may call it. */
  admin?: boolean;
  /** A credential-free route. */
  public?: boolean;
}

describe('hostile input on every route (PostgreSQL)', () => {
  let t: TestApp;
  let tokens: { admin: string; user: string };
  /** Objects the ids of the routes point at: the user's own, so valid input would change them. */
  const ids = {
    chat: '',
    user: '',
    apiKey: '',
    othersChat: '',
    group: '',
    limit: '',
  };
  const unknownId = '5b0c5c1e-8c1e-4b8a-9a57-7d0b2c3f4e5a';

  const ROUTES: Route[] = [
    {
      method: 'POST',
      path: '/api/auth/register',
      public: true,
      body: {
        valid: {
          email: 'fresh@example.com',
          password: 'password-123',
          name: 'Fresh',
        },
        fields: { email: 'email', password: 'password', name: 'text' },
      },
    },
    {
      method: 'POST',
      path: '/api/auth/login',
      public: true,
      body: {
        valid: {
          email: 'hostile-user@example.com',
          password: 'user-password-1',
        },
        fields: { email: 'email', password: 'password' },
      },
    },
    { method: 'GET', path: '/api/auth/me' },
    { method: 'GET', path: '/api/auth/api-keys' },
    {
      method: 'POST',
      path: '/api/auth/api-keys',
      body: { valid: { name: 'svc' }, fields: { name: 'requiredText' } },
    },
    { method: 'DELETE', path: '/api/auth/api-keys/:id' },
    {
      method: 'GET',
      path: '/api/chats',
      query: {
        limit: BAD_PAGE_SIZE,
        before: [
          '',
          'abc',
          '%00',
          'x'.repeat(300),
          'A'.repeat(66),
          'a&before=b',
        ],
      },
    },
    {
      method: 'POST',
      path: '/api/chats',
      body: { valid: { title: 'New' }, fields: { title: 'requiredText' } },
    },
    { method: 'GET', path: '/api/chats/quota' },
    { method: 'GET', path: '/api/chats/:id' },
    {
      method: 'PATCH',
      path: '/api/chats/:id',
      body: { valid: { title: 'Renamed' }, fields: { title: 'requiredText' } },
    },
    { method: 'DELETE', path: '/api/chats/:id' },
    {
      method: 'POST',
      path: '/api/chats/:id/messages',
      body: { valid: { content: 'hello' }, fields: { content: 'content' } },
      query: { stream: ['yes', '1', 'TRUE', '', '%00', 'true&stream=false'] },
    },
    {
      method: 'GET',
      path: '/api/admin/users',
      admin: true,
      query: {
        page: BAD_PAGE,
        page_size: BAD_PAGE_SIZE,
        search: ['%00', 'a%00b', 'x'.repeat(5000), 'a&search=b'],
      },
    },
    {
      method: 'POST',
      path: '/api/admin/users',
      admin: true,
      body: {
        valid: {
          email: 'created@example.com',
          password: 'password-123',
          name: 'Created',
          role: 'user',
          max_ai_messages_per_day: 5,
          max_ai_tokens_per_day: 5,
        },
        fields: {
          email: 'email',
          password: 'password',
          name: 'text',
          role: 'role',
          max_ai_messages_per_day: 'limit',
          max_ai_tokens_per_day: 'limit',
        },
      },
    },
    {
      method: 'PATCH',
      path: '/api/admin/users/:id',
      admin: true,
      body: {
        valid: {
          name: 'Changed',
          role: 'admin',
          is_active: false,
          max_ai_messages_per_day: 6,
          max_ai_tokens_per_day: 6,
        },
        fields: {
          name: 'text',
          role: 'role',
          is_active: 'bool',
          max_ai_messages_per_day: 'limit',
          max_ai_tokens_per_day: 'limit',
        },
      },
    },
    { method: 'GET', path: '/api/admin/users/:id/quota', admin: true },
    { method: 'GET', path: '/api/admin/settings', admin: true },
    {
      method: 'PATCH',
      path: '/api/admin/settings',
      admin: true,
      body: {
        valid: {
          default_max_ai_messages_per_day: 7,
          default_max_ai_tokens_per_day: 7,
          quota_timezone: 'Europe/Moscow',
          allow_registration: false,
          max_concurrent_streams_per_user: 2,
        },
        fields: {
          default_max_ai_messages_per_day: 'count',
          default_max_ai_tokens_per_day: 'count',
          quota_timezone: 'timezone',
          allow_registration: 'bool',
          max_concurrent_streams_per_user: 'streams',
        },
      },
    },
    {
      method: 'GET',
      path: '/api/admin/usage',
      admin: true,
      query: {
        date: [...BAD_DAY, '2026-11-28&date=2026-11-27'],
        page: BAD_PAGE,
        page_size: BAD_PAGE_SIZE,
        sort: ['cost', 'TOKENS', '', '%00', 'tokens&sort=email'],
        order: ['up', 'DESC', '', '%00', 'asc&order=desc'],
        search: ['%00', 'x'.repeat(5000), 'a&search=b'],
        group_id: [...BAD_UUID_QUERY, unknownId],
        model: ['%00', 'Not%20An%20Id', 'x'.repeat(300), 'local&model=local'],
      },
    },
    {
      method: 'GET',
      path: '/api/admin/usage/history',
      admin: true,
      query: {
        from: [...BAD_DAY, '1900-01-01', '2026-12-01&to=2026-11-01'],
        to: BAD_DAY,
        user_id: [...BAD_UUID_QUERY, `${unknownId}&user_id=${unknownId}`],
      },
    },
    {
      method: 'GET',
      path: '/api/admin/usage/export',
      admin: true,
      query: {
        date: [...BAD_DAY, '2026-11-28&date=2026-11-28'],
        group_id: [...BAD_UUID_QUERY, unknownId],
      },
    },
    {
      method: 'GET',
      path: '/api/admin/groups',
      admin: true,
      query: {
        page: BAD_PAGE,
        page_size: BAD_PAGE_SIZE,
        search: ['%00', 'x'.repeat(5000), 'a&search=b'],
      },
    },
    {
      method: 'POST',
      path: '/api/admin/groups',
      admin: true,
      body: {
        valid: { name: 'Fresh group', description: 'New' },
        fields: { name: 'requiredText', description: 'text' },
      },
    },
    { method: 'GET', path: '/api/admin/groups/:id', admin: true },
    {
      method: 'PATCH',
      path: '/api/admin/groups/:id',
      admin: true,
      body: {
        valid: { name: 'Renamed group', description: 'Changed' },
        fields: { name: 'requiredText', description: 'text' },
      },
    },
    { method: 'DELETE', path: '/api/admin/groups/:id', admin: true },
    {
      method: 'GET',
      path: '/api/admin/groups/:id/members',
      admin: true,
      query: { page: BAD_PAGE, page_size: BAD_PAGE_SIZE },
    },
    {
      method: 'PUT',
      path: '/api/admin/groups/:id/members/:user_id',
      admin: true,
    },
    {
      method: 'DELETE',
      path: '/api/admin/groups/:id/members/:user_id',
      admin: true,
    },
    {
      method: 'GET',
      path: '/api/admin/limits',
      admin: true,
      query: {
        subject: ['team', 'GROUP', '', '%00', 'group&subject=user'],
        subject_id: BAD_UUID_QUERY,
      },
    },
    {
      method: 'POST',
      path: '/api/admin/limits',
      admin: true,
      body: {
        valid: {
          subject: 'everyone',
          metric: 'cost',
          window: 'month',
          model: 'local',
          shared: true,
          amount: 5,
        },
        fields: {
          subject: 'choice',
          metric: 'choice',
          window: 'choice',
          model: 'model',
          shared: 'bool',
          amount: 'amount',
        },
      },
    },
    {
      method: 'PATCH',
      path: '/api/admin/limits/:id',
      admin: true,
      body: { valid: { amount: 4 }, fields: { amount: 'amount' } },
    },
    { method: 'DELETE', path: '/api/admin/limits/:id', admin: true },
    {
      method: 'POST',
      path: '/api/admin/users/:id/grants',
      admin: true,
      body: {
        valid: { metric: 'messages', window: 'day', amount: 2, note: 'why' },
        fields: {
          metric: 'choice',
          window: 'choice',
          amount: 'amount',
          note: 'text',
        },
      },
    },
    { method: 'GET', path: '/api/admin/users/:id/grants', admin: true },
    {
      method: 'GET',
      path: '/api/usage',
      query: { from: [...BAD_DAY, '1900-01-01'], to: BAD_DAY },
    },
    { method: 'GET', path: '/api/health', public: true },
  ];

  /** Row counts and a digest of every row of the main tables. */
  async function snapshot() {
    const tables: Record<string, string> = {
      users: 'users',
      chats: 'chats',
      messages: 'messages',
      // last_used_at moves when a key is used; nothing here uses one.
      api_keys:
        '(SELECT id, user_id, name, prefix, key_hash, created_at FROM api_keys)',
      settings: '(SELECT key, value FROM settings)',
      usage_daily: 'usage_daily',
      usage_holds: 'usage_holds',
      stream_slots: 'stream_slots',
      user_groups: 'user_groups',
      group_members: 'group_members',
      limits: 'limits',
      limit_grants: 'limit_grants',
    };
    const out: Record<string, unknown> = {};
    for (const [name, from] of Object.entries(tables)) {
      const [row] = await t.query(
        `SELECT count(*)::int AS rows, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS digest FROM ${from} x`,
      );
      out[name] = row;
    }
    return out;
  }

  /** Sends one request; returns a description of what is wrong with the answer, or null. */
  async function probe(
    role: 'admin' | 'user',
    method: string,
    path: string,
    raw?: Raw,
    headers: Record<string, string> = {},
  ): Promise<string | null> {
    const res = await fetch(t.url + path, {
      method,
      headers: {
        authorization: `Bearer ${tokens[role]}`,
        ...(raw !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: raw,
    });
    const text = await res.text();
    const what = `${role} ${method} ${path.slice(0, 120)} ${raw === undefined ? '' : raw.slice(0, 80)} → ${res.status} ${text.slice(0, 160)}`;
    if (res.status < 400 || res.status > 499) return what;
    if (!(res.headers.get('content-type') ?? '').includes('application/json'))
      return `${what} (not JSON)`;
    let body: { statusCode?: unknown; error?: unknown; message?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      return `${what} (unparsable)`;
    }
    const messageOk =
      typeof body.message === 'string' ||
      (Array.isArray(body.message) &&
        body.message.length > 0 &&
        body.message.every((m) => typeof m === 'string'));
    if (
      body.statusCode !== res.status ||
      typeof body.error !== 'string' ||
      !messageOk
    )
      return `${what} (not API.md's error shape)`;
    return null;
  }

  const withId = (path: string, id: string) =>
    path.replace(':id', id).replace(':user_id', ids.user);
  const idOf = (path: string) =>
    path.startsWith('/api/auth/api-keys')
      ? ids.apiKey
      : path.startsWith('/api/admin/users')
        ? ids.user
        : path.startsWith('/api/admin/groups')
          ? ids.group
          : path.startsWith('/api/admin/limits')
            ? ids.limit
            : ids.chat;

  /** Every hostile request for a route: bad fields, bad bodies, bad ids, bad and unknown query parameters. */
  function requests(
    route: Route,
  ): Array<[string, Raw | undefined, Record<string, string>?]> {
    const out: Array<[string, Raw | undefined, Record<string, string>?]> = [];
    const path = withId(route.path, idOf(route.path));
    const valid = route.body ? json(route.body.valid) : undefined;
    if (route.body) {
      for (const [field, kind] of Object.entries(route.body.fields)) {
        for (const bad of BAD[kind]) {
          const rest = json(
            Object.fromEntries(
              Object.entries(route.body.valid).filter(([k]) => k !== field),
            ),
          );
          const raw = `${rest.slice(0, -1)}${rest === '{}' ? '' : ','}"${field}":${bad}}`;
          out.push([path, raw]);
        }
      }
      for (const raw of BAD_BODIES) out.push([path, raw]);
      const fields = json(route.body.valid).slice(0, -1);
      out.push([path, `${fields},"unknown_field":1}`]);
      out.push([path, `${fields},"toString":"x"}`]);
      out.push([path, json('x'.repeat(300_000))]); // over the body limit: 413
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
      ])
        out.push([path, valid, { 'content-type': type }]);
    }
    if (route.path.includes(':id')) {
      for (const id of [
        'not-a-uuid',
        '123',
        "1'%20OR%20'1'='1",
        '%00',
        `${unknownId.slice(0, -1)}%00`,
        'x'.repeat(300),
        '00000000-0000-0000-0000-00000000000g',
        `${unknownId}x`,
        `{${unknownId}}`,
        `urn:uuid:${unknownId}`,
        'null',
        // Uppercase ids name the same UUID: of nothing, or of another user's chat, they are 404.
        unknownId.toUpperCase(),
        ids.othersChat.toUpperCase(),
      ]) {
        out.push([withId(route.path, id), valid]);
      }
    }
    for (const [name, values] of Object.entries(route.query ?? {})) {
      for (const value of values) out.push([`${path}?${name}=${value}`, valid]);
    }
    out.push([`${path}?unknown=1`, valid]);
    out.push([`${path}?__proto__=1`, valid]);
    out.push([`${path}?x=${'%00'.repeat(3)}`, valid]);
    return out;
  }

  beforeAll(async () => {
    t = await startTestApp({
      // Every login here is refused by validation; none may be throttled instead.
      env: {
        LOGIN_MAX_ATTEMPTS: '10000',
        BODY_LIMIT_BYTES: String(256 * 1024),
      },
    });
    const admin = await t.login();
    const user = await t.register('hostile-user@example.com');
    tokens = { admin, user: user.token };
    ids.user = user.id;
    ids.chat = (
      await t.http.post('/api/chats', { title: 'Mine' }, { token: user.token })
    ).body.id;
    ids.apiKey = (
      await t.http.post(
        '/api/auth/api-keys',
        { name: 'mine' },
        { token: user.token },
      )
    ).body.id;
    ids.group = (
      await t.http.post(
        '/api/admin/groups',
        { name: 'Hostile' },
        { token: admin },
      )
    ).body.id;
    ids.limit = (
      await t.http.post(
        '/api/admin/limits',
        {
          subject: 'group',
          subject_id: ids.group,
          metric: 'messages',
          window: 'day',
          amount: 3,
        },
        { token: admin },
      )
    ).body.id;
    const other = await t.register();
    ids.othersChat = (
      await t.http.post('/api/chats', {}, { token: other.token })
    ).body.id;
    // A message, so that the tables a send writes are not empty.
    expect(
      (
        await t.http.post(
          `/api/chats/${ids.chat}/messages?stream=false`,
          { content: 'first' },
          { token: user.token },
        )
      ).status,
    ).toBe(200);
  });
  afterAll(() => t?.close());

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s answers 4xx in the error shape and changes nothing',
    async (_name, route) => {
      const before = await snapshot();
      const problems: string[] = [];
      for (const role of ['admin', 'user'] as const) {
        for (const [path, raw, headers] of requests(route)) {
          const problem = await probe(role, route.method, path, raw, headers);
          if (problem) problems.push(problem);
        }
      }
      expect(problems).toEqual([]);
      expect(await snapshot()).toEqual(before);
    },
  );

  it('accepts the valid body of each route, so each refusal above was about the hostile value', async () => {
    // Last: the admin's update deactivates the user.
    for (const route of ROUTES.filter((r) => r.body)) {
      const res = await t.http.request(
        route.method,
        withId(route.path, idOf(route.path)),
        route.body?.valid,
        { token: route.admin ? tokens.admin : tokens.user },
      );
      expect([route.method, route.path, res.status, res.text]).toEqual([
        route.method,
        route.path,
        route.method === 'POST' &&
        !route.path.endsWith('/messages') &&
        !route.path.endsWith('/login')
          ? 201
          : 200,
        res.text,
      ]);
    }
  });
});
