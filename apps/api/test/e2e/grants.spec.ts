import { Clock } from '../../src/modules/usage/clock';
import { limitsApi } from '../support/admin-limits';
import { NOW, type QuotaHarness, startQuotaHarness } from '../support/quota';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

interface UsageRow {
  user_id: string;
  messages_limit: number;
  tokens_limit: number;
}

/** Grants: an admin's one-off raise of a user's limit for the window in force (PostgreSQL). */
describe('admin: grants (PostgreSQL, over HTTP)', () => {
  let h: QuotaHarness;
  let api: ReturnType<typeof limitsApi>;
  let adminId: string;
  const as = () => ({ token: h.admin });

  beforeAll(async () => {
    h = await startQuotaHarness();
    api = limitsApi(h);
    adminId = (await h.t.http.get('/api/auth/me', as())).body.id;
  });
  afterAll(() => h?.close());
  beforeEach(() => {
    h.fake.reset();
    h.fake.reply = 'short answer';
  });

  it('lets a blocked user send again, as many more as granted, until the window ends', async () => {
    const u = await h.newUser(1);
    const chat = await h.t.newChat(u.token);
    expect((await api.sendUntilRefused(u, chat)).passed).toBe(1);

    const res = await h.t.http.post(
      `/api/admin/users/${u.id}/grants`,
      { metric: 'messages', window: 'day', amount: 2, note: 'deadline' },
      as(),
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      user_id: u.id,
      metric: 'messages',
      window: 'day',
      model: null,
      amount: 2,
      note: 'deadline',
      created_by: adminId,
      created_at: expect.any(String),
      expires_at: '2026-11-29T00:00:00.000Z',
    });
    const more = await api.sendUntilRefused(u, chat);
    expect(more.passed).toBe(2);
    expect(more.refusal.limit).toMatchObject({
      subject: 'user',
      amount: 1,
      limit: 3,
    });
    const quota = await h.t.http.get('/api/chats/quota', { token: u.token });
    expect(quota.body.messages).toEqual({ used: 3, limit: 3, remaining: 0 });

    const listed = await h.t.http.get(`/api/admin/users/${u.id}/grants`, as());
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [res.body] });

    // The next day it is gone: from the list and from the limit.
    const clock = h.t.app.get(Clock);
    clock.now = () => NOW + 86_400_000;
    try {
      expect(
        (await h.t.http.get(`/api/admin/users/${u.id}/grants`, as())).body,
      ).toEqual({ items: [] });
      const next = await h.t.http.get('/api/chats/quota', { token: u.token });
      expect(next.body.messages).toEqual({ used: 0, limit: 1, remaining: 1 });
    } finally {
      clock.now = () => NOW;
    }
  });

  it('raises a group limit or a model limit that applies to the user, with its window', async () => {
    const u = await h.newUser();
    const group = await api.group(`Weekly ${u.id.slice(0, 8)}`, [u]);
    await api.limit({
      subject: 'group',
      subject_id: group,
      metric: 'tokens',
      window: 'week',
      amount: 1000,
    });
    const weekly = await h.t.http.post(
      `/api/admin/users/${u.id}/grants`,
      { metric: 'tokens', window: 'week', amount: 500 },
      as(),
    );
    expect(weekly.status).toBe(201);
    // 2026-11-28 is a Saturday: the ISO week ends on Monday the 30th.
    expect(weekly.body.expires_at).toBe('2026-11-30T00:00:00.000Z');
    expect(weekly.body.note).toBe('');

    await api.limit({
      subject: 'everyone',
      metric: 'cost',
      window: 'month',
      model: 'gpt-4o-mini',
      amount: 5_000_000,
    });
    const monthly = await h.t.http.post(
      `/api/admin/users/${u.id}/grants`,
      { metric: 'cost', window: 'month', model: 'gpt-4o-mini', amount: 1 },
      as(),
    );
    expect(monthly.status).toBe(201);
    expect(monthly.body.expires_at).toBe('2026-12-01T00:00:00.000Z');
    const quota = await h.t.http.get('/api/chats/quota', { token: u.token });
    expect(quota.body.limits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          metric: 'tokens',
          window: 'week',
          amount: 1000,
          limit: 1500,
        }),
        expect.objectContaining({
          metric: 'cost',
          model: 'gpt-4o-mini',
          limit: 5_000_001,
        }),
      ]),
    );
  });

  it('shows the limits with grants in force in the usage report and its CSV, as the user sees them', async () => {
    const u = await h.newUser(10);
    const other = await h.newUser(10);
    const chat = await h.t.newChat(u.token);
    expect((await h.send(u, chat)).status).toBe(200);
    for (const body of [
      { metric: 'messages', window: 'day', amount: 2 },
      { metric: 'tokens', window: 'day', amount: 1000 },
    ])
      expect(
        (await h.t.http.post(`/api/admin/users/${u.id}/grants`, body, as()))
          .status,
      ).toBe(201);
    // A grant of another window raises that window's limit, not the day's.
    await api.limit({
      subject: 'user',
      subject_id: u.id,
      metric: 'messages',
      window: 'week',
      amount: 50,
    });
    expect(
      (
        await h.t.http.post(
          `/api/admin/users/${u.id}/grants`,
          { metric: 'messages', window: 'week', amount: 7 },
          as(),
        )
      ).status,
    ).toBe(201);
    const quota = await h.t.http.get('/api/chats/quota', { token: u.token });
    expect(quota.body.messages).toEqual({ used: 1, limit: 12, remaining: 11 });
    expect(quota.body.tokens.limit).toBe(501_000);

    const limitsOf = (items: UsageRow[], id: string) =>
      items
        .filter((i) => i.user_id === id)
        .map((i) => [i.messages_limit, i.tokens_limit]);
    // The plain page (sorted by email) and a search read the rows differently.
    for (const query of [
      'sort=email&page_size=200',
      `search=${encodeURIComponent(u.email)}`,
      'sort=tokens&page_size=200',
    ]) {
      const report = await h.t.http.get(`/api/admin/usage?${query}`, as());
      expect(report.status).toBe(200);
      expect([query, limitsOf(report.body.items, u.id)]).toEqual([
        query,
        [[12, 501_000]],
      ]);
      if (!query.startsWith('search'))
        expect(limitsOf(report.body.items, other.id)).toEqual([[10, 500_000]]);
    }

    const csvLimits = (text: string, id: string, at: number) =>
      text
        .trim()
        .split('\r\n')
        .map((line) => line.split(','))
        .filter((cells) => cells[at] === id)
        .map((cells) => cells.slice(at + 5, at + 7));
    const day = await h.t.http.get('/api/admin/usage/export', as());
    expect(day.status).toBe(200);
    expect(csvLimits(day.text, u.id, 0)).toEqual([['12', '501000']]);
    expect(csvLimits(day.text, other.id, 0)).toEqual([['10', '500000']]);
    const range = await h.t.http.get(
      '/api/admin/usage/export?from=2026-11-27&to=2026-11-28',
      as(),
    );
    expect(csvLimits(range.text, u.id, 1)).toEqual([['12', '501000']]);

    // The next day the grants are gone, from the report too.
    const clock = h.t.app.get(Clock);
    clock.now = () => NOW + 86_400_000;
    try {
      const next = await h.t.http.get(
        `/api/admin/usage?date=2026-11-28&search=${encodeURIComponent(u.email)}`,
        as(),
      );
      expect(limitsOf(next.body.items, u.id)).toEqual([[10, 500_000]]);
    } finally {
      clock.now = () => NOW;
    }
  });

  it('refuses a grant no personal limit of its kind applies to (409 NO_SUCH_LIMIT), and bad input', async () => {
    const u = await h.newUser();
    const other = await h.newUser();
    const group = await api.group(`Pool only ${u.id.slice(0, 8)}`, [u]);
    // A pool is not a personal limit; another user's own limit does not apply.
    await api.limit({
      subject: 'group',
      subject_id: group,
      metric: 'messages',
      window: 'week',
      shared: true,
      amount: 10,
    });
    await api.limit({
      subject: 'user',
      subject_id: other.id,
      metric: 'messages',
      window: 'month',
      amount: 10,
    });
    for (const body of [
      { metric: 'messages', window: 'week', amount: 1 },
      { metric: 'messages', window: 'month', amount: 1 },
      { metric: 'messages', window: 'day', model: 'local', amount: 1 },
    ]) {
      const res = await h.t.http.post(
        `/api/admin/users/${u.id}/grants`,
        body,
        as(),
      );
      expect([body, res.status, res.body.code]).toEqual([
        body,
        409,
        'NO_SUCH_LIMIT',
      ]);
    }
    const ok = { metric: 'messages', window: 'day', amount: 1 };
    for (const [body, status] of [
      [{ ...ok, amount: 0 }, 400],
      [{ ...ok, amount: 2.5 }, 400],
      [{ ...ok, amount: 9007199254740992 }, 400],
      [{ ...ok, metric: 'words' }, 400],
      [{ ...ok, window: 'year' }, 400],
      [{ ...ok, model: 'Bad Id' }, 400],
      [{ ...ok, note: 'x'.repeat(501) }, 400],
      [{ ...ok, note: null }, 400],
      [{ ...ok, expires_at: '2030-01-01T00:00:00Z' }, 400],
    ] as const) {
      const res = await h.t.http.post(
        `/api/admin/users/${u.id}/grants`,
        body,
        as(),
      );
      expect([body, res.status]).toEqual([body, status]);
    }
    for (const res of [
      await h.t.http.post(`/api/admin/users/${UNKNOWN}/grants`, ok, as()),
      await h.t.http.get(`/api/admin/users/${UNKNOWN}/grants`, as()),
    ])
      expect(res.status).toBe(404);
    for (const res of [
      await h.t.http.post('/api/admin/users/nope/grants', ok, as()),
      await h.t.http.get('/api/admin/users/nope/grants', as()),
      await h.t.http.get(`/api/admin/users/${u.id}/grants?all=1`, as()),
    ])
      expect(res.status).toBe(400);
    expect(
      (
        await h.t.http.post(`/api/admin/users/${u.id}/grants`, ok, {
          token: u.token,
        })
      ).status,
    ).toBe(403);
    expect(
      (await h.t.http.get(`/api/admin/users/${u.id}/grants`, as())).body.items,
    ).toEqual([]);
  });
});
