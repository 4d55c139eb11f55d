import { Clock } from '../../src/modules/usage/clock';
import {
  LONG_REPLY,
  NOW,
  type QuotaHarness,
  startQuotaHarness,
} from '../support/quota';
import {
  expectPoolAdmitsExactlyFive,
  limitsApi,
} from '../support/admin-limits';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const MAX = 9007199254740991;

/** The limits API, and which limit applies, through real sends (PostgreSQL). */
describe('admin: limits (PostgreSQL, over HTTP)', () => {
  let h: QuotaHarness;
  let api: ReturnType<typeof limitsApi>;
  const as = () => ({ token: h.admin });

  beforeAll(async () => {
    h = await startQuotaHarness();
    api = limitsApi(h);
  });
  afterAll(() => h?.close());
  beforeEach(() => {
    h.fake.reset();
    h.fake.reply = 'short answer';
  });

  it('creates, lists, changes and deletes limits of every subject', async () => {
    const u = await h.t.register(undefined, undefined, 'Ada');
    const group = await api.group('Research');
    const res = await h.t.http.post(
      '/api/admin/limits',
      {
        subject: 'group',
        subject_id: group,
        metric: 'cost',
        window: 'month',
        shared: true,
        amount: 200_000_000,
      },
      as(),
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      subject: 'group',
      subject_id: group,
      subject_name: 'Research',
      metric: 'cost',
      window: 'month',
      model: null,
      shared: true,
      amount: 200_000_000,
      used: 0,
      resets_at: '2026-12-01T00:00:00.000Z',
      counting_since: expect.any(String),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const own = await h.t.http.post(
      '/api/admin/limits',
      {
        subject: 'user',
        subject_id: u.id,
        metric: 'tokens',
        window: 'week',
        model: 'gpt-4o-mini',
        amount: MAX,
      },
      as(),
    );
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ subject_name: 'Ada', amount: MAX });
    expect(own.body).not.toHaveProperty('used');
    expect(own.body).not.toHaveProperty('resets_at');
    expect(own.body).not.toHaveProperty('counting_since');

    const all = await h.t.http.get('/api/admin/limits', as());
    expect(all.status).toBe(200);
    // Everyone's first (the two seed limits), then groups, then users.
    expect(
      all.body.items.map((l: { subject: string; metric: string }) => [
        l.subject,
        l.metric,
      ]),
    ).toEqual([
      ['everyone', 'messages'],
      ['everyone', 'tokens'],
      ['group', 'cost'],
      ['user', 'tokens'],
    ]);
    const ofUser = await h.t.http.get(
      `/api/admin/limits?subject_id=${u.id}`,
      as(),
    );
    expect(ofUser.body.items.map((l: { id: string }) => l.id)).toEqual([
      own.body.id,
    ]);
    const groups = await h.t.http.get('/api/admin/limits?subject=group', as());
    expect(groups.body.items.map((l: { id: string }) => l.id)).toEqual([
      res.body.id,
    ]);

    const changed = await h.t.http.patch(
      `/api/admin/limits/${own.body.id}`,
      { amount: 0 },
      as(),
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: own.body.id, amount: 0 });
    expect(
      (await h.t.http.delete(`/api/admin/limits/${own.body.id}`, as())).status,
    ).toBe(204);
    expect(
      (await h.t.http.delete(`/api/admin/limits/${own.body.id}`, as())).status,
    ).toBe(404);
    expect(
      (await h.t.http.get(`/api/admin/limits?subject_id=${u.id}`, as())).body
        .items,
    ).toEqual([]);
  });

  it('a pool counts since its creation when made inside its window, else since the window began', async () => {
    const group = await api.group('Counting');
    const monthly = await api.limit({
      subject: 'group',
      subject_id: group,
      metric: 'messages',
      window: 'month',
      shared: true,
      amount: 50,
    });
    const daily = await api.limit({
      subject: 'everyone',
      metric: 'tokens',
      window: 'day',
      shared: true,
      amount: 5000,
    });
    const pools = async () =>
      Object.fromEntries(
        (
          (await h.t.http.get('/api/admin/limits', as())).body.items as {
            id: string;
            created_at: string;
            counting_since?: string;
          }[]
        ).map((l) => [l.id, l]),
      );
    // Made in the window in force: counting starts when it was made.
    const now = await pools();
    for (const id of [monthly, daily])
      expect(now[id].counting_since).toBe(now[id].created_at);

    // Windows that began after they were made: counting starts with the
    // window, at its first instant in quota_timezone.
    const clock = h.t.app.get(Clock);
    clock.now = () => Date.parse('2099-03-15T12:00:00.000Z');
    await h.setting({ quota_timezone: 'Europe/Berlin' });
    try {
      const later = await pools();
      expect(later[monthly].counting_since).toBe('2099-02-28T23:00:00.000Z');
      expect(later[daily].counting_since).toBe('2099-03-14T23:00:00.000Z');
      const changed = await h.t.http.patch(
        `/api/admin/limits/${monthly}`,
        { amount: 60 },
        as(),
      );
      expect(changed.body.counting_since).toBe('2099-02-28T23:00:00.000Z');
    } finally {
      await h.setting({ quota_timezone: 'UTC' });
      clock.now = () => NOW;
    }
  });

  it("a user's daily limit over all models is the seed's user field, and the everyone daily limits are the settings", async () => {
    const u = await h.t.register();
    const id = await api.limit({
      subject: 'user',
      subject_id: u.id,
      metric: 'messages',
      window: 'day',
      amount: 7,
    });
    const user = await h.t.http.get(
      `/api/admin/users?search=${encodeURIComponent(u.email)}`,
      as(),
    );
    expect(user.body.items[0]).toMatchObject({
      max_ai_messages_per_day: 7,
      effective_max_ai_messages_per_day: 7,
    });
    await h.t.http.delete(`/api/admin/limits/${id}`, as());
    const after = await h.t.http.get(
      `/api/admin/users?search=${encodeURIComponent(u.email)}`,
      as(),
    );
    expect(after.body.items[0].max_ai_messages_per_day).toBeNull();

    const everyone = (
      await h.t.http.get('/api/admin/limits?subject=everyone', as())
    ).body.items;
    const messages = everyone.find(
      (l: { metric: string }) => l.metric === 'messages',
    );
    const tokens = everyone.find(
      (l: { metric: string }) => l.metric === 'tokens',
    );
    await h.t.http.get('/api/admin/settings', as()); // cached now
    const patched = await h.t.http.patch(
      `/api/admin/limits/${messages.id}`,
      { amount: 42 },
      as(),
    );
    expect(patched.body.amount).toBe(42);
    expect(
      (await h.t.http.get('/api/admin/settings', as())).body
        .default_max_ai_messages_per_day,
    ).toBe(42);
    await h.setting({ default_max_ai_messages_per_day: 100 });
    expect(
      (await h.t.http.get(`/api/admin/limits?subject=everyone`, as())).body
        .items[0].amount,
    ).toBe(100);

    for (const l of [messages, tokens]) {
      const res = await h.t.http.delete(`/api/admin/limits/${l.id}`, as());
      expect([res.status, res.body.code]).toEqual([409, 'LIMIT_REQUIRED']);
    }
    // Other everyone limits can go.
    const weekly = await api.limit({
      subject: 'everyone',
      metric: 'messages',
      window: 'week',
      amount: 1000,
    });
    expect(
      (await h.t.http.delete(`/api/admin/limits/${weekly}`, as())).status,
    ).toBe(204);
  });

  it('refuses a second limit of the same identity, and bad input, without a 500', async () => {
    const u = await h.t.register();
    const group = await api.group('Identity');
    const body = {
      subject: 'group',
      subject_id: group,
      metric: 'messages',
      window: 'day',
      amount: 5,
    } as const;
    await api.limit(body);
    const dup = await h.t.http.post('/api/admin/limits', body, as());
    expect([dup.status, dup.body.code]).toEqual([409, 'LIMIT_EXISTS']);
    // Shared, or for one model, is another identity.
    await api.limit({ ...body, shared: true });
    await api.limit({ ...body, model: 'local' });
    const seed = await h.t.http.post(
      '/api/admin/limits',
      { subject: 'everyone', metric: 'tokens', window: 'day', amount: 1 },
      as(),
    );
    expect([seed.status, seed.body.code]).toEqual([409, 'LIMIT_EXISTS']);

    const bad: [unknown, number, string?][] = [
      [{ ...body, amount: -1 }, 400],
      [{ ...body, amount: 1.5 }, 400],
      [{ ...body, amount: '5' }, 400],
      [{ ...body, amount: MAX + 1 }, 400],
      [{ ...body, amount: 1e300 }, 400],
      [{ ...body, metric: 'words' }, 400],
      [{ ...body, window: 'year' }, 400],
      [{ ...body, subject: 'team' }, 400],
      [{ ...body, subject_id: 'nope' }, 400],
      [{ ...body, subject_id: null }, 400],
      [
        {
          subject: 'everyone',
          subject_id: group,
          metric: 'messages',
          window: 'week',
          amount: 1,
        },
        400,
      ],
      [
        {
          subject: 'user',
          subject_id: u.id,
          metric: 'messages',
          window: 'week',
          shared: true,
          amount: 1,
        },
        400,
      ],
      [{ ...body, shared: 'yes' }, 400],
      [{ ...body, model: 'Not An Id' }, 400],
      [{ ...body, model: 'no-such-model' }, 400, 'UNKNOWN_MODEL'],
      [{ ...body, colour: 'red' }, 400],
      [{ ...body, subject_id: UNKNOWN }, 404],
      [{ ...body, subject: 'user', subject_id: UNKNOWN }, 404],
      [{ ...body, subject: 'api_key', subject_id: UNKNOWN }, 404],
    ];
    for (const [b, status, code] of bad) {
      const res = await h.t.http.post('/api/admin/limits', b, as());
      expect([b, res.status]).toEqual([b, status]);
      if (code) expect(res.body.code).toBe(code);
    }
    const id = await api.limit({ ...body, window: 'week' });
    for (const [b, status] of [
      [{ amount: -1 }, 400],
      [{ amount: null }, 400],
      [{}, 400],
      [{ amount: 3, metric: 'tokens' }, 400],
    ] as const) {
      const res = await h.t.http.patch(`/api/admin/limits/${id}`, b, as());
      expect([b, res.status]).toEqual([b, status]);
    }
    for (const res of [
      await h.t.http.patch(`/api/admin/limits/${UNKNOWN}`, { amount: 1 }, as()),
      await h.t.http.delete(`/api/admin/limits/${UNKNOWN}`, as()),
    ])
      expect(res.status).toBe(404);
    for (const res of [
      await h.t.http.delete('/api/admin/limits/nope', as()),
      await h.t.http.get('/api/admin/limits?subject=team', as()),
      await h.t.http.get('/api/admin/limits?subject_id=nope', as()),
      await h.t.http.get('/api/admin/limits?page=1', as()),
    ])
      expect(res.status).toBe(400);
    const user = await h.t.register();
    expect(
      (await h.t.http.get('/api/admin/limits', { token: user.token })).status,
    ).toBe(403);
  });

  it("a user's own limit wins over their groups', a group's over everyone's, whether larger or smaller", async () => {
    const a = await h.newUser();
    const b = await h.newUser();
    const group = await api.group('Precedence', [a, b]);
    const groupLimit = await api.limit({
      subject: 'group',
      subject_id: group,
      metric: 'messages',
      window: 'day',
      amount: 2,
    });
    // The group's 2 over everyone's 100.
    const first = await api.sendUntilRefused(a, await h.t.newChat(a.token));
    expect(first.passed).toBe(2);
    expect(first.refusal).toMatchObject({
      code: 'QUOTA_MESSAGES_EXCEEDED',
      limit: {
        id: groupLimit,
        subject: 'group',
        subject_name: 'Precedence',
        limit: 2,
      },
    });
    // a's own 4 over the group's 2 (larger); b's own 1 over the group's 2 (smaller).
    const own = await api.limit({
      subject: 'user',
      subject_id: a.id,
      metric: 'messages',
      window: 'day',
      amount: 4,
    });
    const more = await api.sendUntilRefused(a, await h.t.newChat(a.token));
    expect(more.passed).toBe(2);
    expect(more.refusal.limit).toMatchObject({
      id: own,
      subject: 'user',
      limit: 4,
    });
    await h.setLimits(b.id, 1, null);
    const less = await api.sendUntilRefused(b, await h.t.newChat(b.token));
    expect(less.passed).toBe(1);
    expect(less.refusal.limit).toMatchObject({ subject: 'user', limit: 1 });
  });

  it('of two groups, the most generous personal limit applies', async () => {
    const u = await h.newUser();
    const stingy = await api.group('Stingy', [u]);
    const generous = await api.group('Generous', [u]);
    for (const [g, amount] of [
      [stingy, 1],
      [generous, 3],
    ] as const)
      await api.limit({
        subject: 'group',
        subject_id: g,
        metric: 'messages',
        window: 'day',
        amount,
      });
    const res = await api.sendUntilRefused(u, await h.t.newChat(u.token));
    expect(res.passed).toBe(3);
    expect(res.refusal.limit).toMatchObject({ subject_id: generous, limit: 3 });
  });

  it("a model's limit applies to sends to that model only", async () => {
    const u = await h.newUser();
    const chat = await h.t.newChat(u.token);
    const id = await api.limit({
      subject: 'user',
      subject_id: u.id,
      metric: 'messages',
      window: 'day',
      model: 'gpt-4o-mini',
      amount: 1,
    });
    const res = await api.sendUntilRefused(u, chat);
    expect(res.passed).toBe(1);
    expect(res.refusal.limit).toMatchObject({ id, model: 'gpt-4o-mini' });
    // Another model passes, and still counts towards the limits over all models.
    for (let i = 0; i < 2; i++)
      expect((await api.send(u, chat, 'local')).status).toBe(200);
    const quota = await h.t.http.get('/api/chats/quota?model=local', {
      token: u.token,
    });
    expect(quota.body.messages.used).toBe(3);
    expect(quota.body.limits.some((l: { id: string }) => l.id === id)).toBe(
      false,
    );
  });

  it('a shared pool of 5 messages admits exactly 5 of 30 concurrent sends by two members', async () => {
    h.fake.reply = LONG_REPLY;
    await expectPoolAdmitsExactlyFive(h);
  });
});
