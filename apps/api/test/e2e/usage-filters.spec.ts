import { limitsApi } from '../support/admin-limits';
import { type QuotaHarness, startQuotaHarness } from '../support/quota';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** The usage report and export of one group, and the report of one model (PostgreSQL). */
describe('admin: usage by group and by model (PostgreSQL, over HTTP)', () => {
  let h: QuotaHarness;
  let group: string;
  const users: Record<'a' | 'b' | 'c', { id: string; email: string }> =
    {} as never;
  const as = () => ({ token: h.admin });
  const emails = (items: { email: string }[]) => items.map((i) => i.email);

  beforeAll(async () => {
    h = await startQuotaHarness();
    const api = limitsApi(h);
    // Prompt tokens within the estimate held (more would be charged the estimate).
    h.fake.usage = { prompt_tokens: 5, completion_tokens: 45 };
    const a = await h.newUser();
    const b = await h.newUser();
    const c = await h.newUser();
    Object.assign(users, { a, b, c });
    group = await api.group('Reported', [a, b]);
    const chats = {
      a: await h.t.newChat(a.token),
      b: await h.t.newChat(b.token),
      c: await h.t.newChat(c.token),
    };
    // a: 2 to the default model and 1 to local; b: 1; c (not a member): 1.
    for (const [u, chat, model] of [
      [a, chats.a],
      [a, chats.a],
      [a, chats.a, 'local'],
      [b, chats.b],
      [c, chats.c],
    ] as const)
      expect((await api.send(u, chat, model)).status).toBe(200);
  });
  afterAll(() => h?.close());

  it("reports a group's members only, the totals too, with search and paging", async () => {
    const res = await h.t.http.get(`/api/admin/usage?group_id=${group}`, as());
    expect(res.status).toBe(200);
    expect(emails(res.body.items)).toEqual([users.a.email, users.b.email]);
    expect(res.body.items.map((i: { messages: number }) => i.messages)).toEqual(
      [3, 1],
    );
    expect(res.body.total).toBe(2);
    expect(res.body.totals).toMatchObject({ messages: 4, active_users: 2 });

    const everyone = await h.t.http.get('/api/admin/usage', as());
    expect(everyone.body.totals).toMatchObject({
      messages: 5,
      active_users: 3,
    });

    const searched = await h.t.http.get(
      `/api/admin/usage?group_id=${group}&search=${encodeURIComponent(users.b.email)}`,
      as(),
    );
    expect(emails(searched.body.items)).toEqual([users.b.email]);
    const page2 = await h.t.http.get(
      `/api/admin/usage?group_id=${group}&page=2&page_size=1&sort=messages&order=asc`,
      as(),
    );
    expect([emails(page2.body.items), page2.body.total]).toEqual([
      [users.a.email],
      2,
    ]);
    const beyond = await h.t.http.get(
      `/api/admin/usage?group_id=${group}&page=3&page_size=1`,
      as(),
    );
    expect([beyond.body.items, beyond.body.total]).toEqual([[], 2]);
  });

  it("reports one model's usage only, alone or with a group", async () => {
    const local = await h.t.http.get('/api/admin/usage?model=local', as());
    expect(local.status).toBe(200);
    // Every active user is listed; only a used local.
    const byEmail = Object.fromEntries(
      local.body.items.map((i: { email: string; messages: number }) => [
        i.email,
        i.messages,
      ]),
    );
    expect(byEmail[users.a.email]).toBe(1);
    expect(byEmail[users.b.email]).toBe(0);
    expect(local.body.totals).toMatchObject({ messages: 1, active_users: 1 });

    const both = await h.t.http.get(
      `/api/admin/usage?model=gpt-4o-mini&group_id=${group}&sort=email&order=asc`,
      as(),
    );
    expect(
      both.body.items.map(
        (i: { email: string; messages: number; tokens: number }) => [
          i.email,
          i.messages,
          i.tokens,
        ],
      ),
    ).toEqual(
      [
        [users.a.email, 2, 100],
        [users.b.email, 1, 50],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(both.body.totals).toMatchObject({
      messages: 3,
      tokens: 150,
      active_users: 2,
    });
    const none = await h.t.http.get(
      '/api/admin/usage?model=deleted-model',
      as(),
    );
    expect(none.body.totals).toMatchObject({ messages: 0, active_users: 0 });
  });

  it("exports a group's members only, for a day and for a range", async () => {
    const day = await h.t.http.get(
      `/api/admin/usage/export?group_id=${group}`,
      as(),
    );
    expect(day.status).toBe(200);
    const rows = day.text.trim().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(
      rows
        .slice(1)
        .map((r) => r.split(',')[1])
        .sort(),
    ).toEqual([users.a.email, users.b.email].sort());
    const range = await h.t.http.get(
      `/api/admin/usage/export?from=2026-11-27&to=2026-11-28&group_id=${group}`,
      as(),
    );
    const lines = range.text.trim().split('\r\n');
    expect(lines.slice(1).map((r) => r.split(',').slice(0, 1)[0])).toEqual([
      '2026-11-28',
      '2026-11-28',
    ]);
    expect(
      lines
        .slice(1)
        .map((r) => r.split(',')[2])
        .sort(),
    ).toEqual([users.a.email, users.b.email].sort());
  });

  /** The report's totals with these filters: what by-model and history must agree with. */
  const totals = async (filters: string) => {
    const res = await h.t.http.get(`/api/admin/usage?${filters}`, as());
    expect(res.status).toBe(200);
    const t = res.body.totals;
    return { date: res.body.date as string, ...t };
  };

  it("breaks the day down by model for a group's members and one model, as the report", async () => {
    type Row = {
      model: string;
      messages: number;
      tokens: number;
      cost: number;
    };
    const byModel = async (filters: string) => {
      const res = await h.t.http.get(
        `/api/admin/usage/models?${filters}`,
        as(),
      );
      expect([filters, res.status]).toEqual([filters, 200]);
      return Object.fromEntries(
        (res.body.items as Row[]).map((r) => [
          r.model,
          { messages: r.messages, tokens: r.tokens, cost: r.cost },
        ]),
      );
    };
    const numbers = async (filters: string) => {
      const t = await totals(filters);
      return { messages: t.messages, tokens: t.tokens, cost: t.cost };
    };
    const all = await byModel('');
    expect(Object.keys(all)).toEqual(['gpt-4o-mini', 'local']);
    expect(all['gpt-4o-mini'].messages).toBe(4);
    expect(all['gpt-4o-mini']).toEqual(await numbers('model=gpt-4o-mini'));

    // a and b only: c's message to the default model is not counted.
    const members = await byModel(`group_id=${group}`);
    expect(members['gpt-4o-mini'].messages).toBe(3);
    expect(members['gpt-4o-mini']).toEqual(
      await numbers(`group_id=${group}&model=gpt-4o-mini`),
    );
    expect(members.local).toEqual(
      await numbers(`group_id=${group}&model=local`),
    );
    expect(members.local.messages).toBe(1);

    const { date } = await totals('');
    expect(await byModel(`model=local&group_id=${group}&date=${date}`)).toEqual(
      { local: members.local },
    );
    expect(await byModel('model=deleted-model')).toEqual({});
    expect(await byModel('date=2026-11-27')).toEqual({});
  });

  it("gives the history of a group's members and of one model, as the report", async () => {
    type Day = {
      date: string;
      messages: number;
      tokens: number;
      cost: number;
      active_users: number;
    };
    const history = async (filters: string) => {
      const res = await h.t.http.get(
        `/api/admin/usage/history?${filters}`,
        as(),
      );
      expect([filters, res.status]).toEqual([filters, 200]);
      return res.body.items as Day[];
    };
    const last = (items: Day[]) => {
      const d = items[items.length - 1];
      return {
        messages: d.messages,
        tokens: d.tokens,
        cost: d.cost,
        active_users: d.active_users,
      };
    };
    const numbers = async (filters: string) => {
      const t = await totals(filters);
      return {
        messages: t.messages,
        tokens: t.tokens,
        cost: t.cost,
        active_users: t.active_users,
      };
    };
    const all = await history('');
    expect(all).toHaveLength(30);
    expect(last(all)).toEqual(await numbers(''));
    expect(last(all).messages).toBe(5);

    const members = await history(`group_id=${group}`);
    expect(members).toHaveLength(30);
    expect(last(members)).toEqual(await numbers(`group_id=${group}`));
    expect(last(members)).toMatchObject({ messages: 4, active_users: 2 });

    const model = await history(
      'model=gpt-4o-mini&from=2026-11-27&to=2026-11-28',
    );
    expect(model.map((d) => [d.date, d.messages, d.active_users])).toEqual([
      ['2026-11-27', 0, 0],
      ['2026-11-28', 4, 3],
    ]);
    expect(last(model)).toEqual(await numbers('model=gpt-4o-mini'));

    const both = await history(
      `model=local&group_id=${group}&from=2026-11-28&to=2026-11-28`,
    );
    expect(last(both)).toEqual(await numbers(`model=local&group_id=${group}`));
    expect(last(both)).toMatchObject({ messages: 1, active_users: 1 });

    // One user outside the group: nothing.
    const outside = await history(
      `user_id=${users.c.id}&group_id=${group}&from=2026-11-28&to=2026-11-28`,
    );
    expect(last(outside)).toEqual({
      messages: 0,
      tokens: 0,
      cost: 0,
      active_users: 0,
    });
  });

  it('answers 404 for an unknown group and 400 for bad filters', async () => {
    for (const path of [
      `/api/admin/usage?group_id=${UNKNOWN}`,
      `/api/admin/usage/export?group_id=${UNKNOWN}`,
      `/api/admin/usage/export?from=2026-11-27&to=2026-11-28&group_id=${UNKNOWN}`,
      `/api/admin/usage/models?group_id=${UNKNOWN}`,
      `/api/admin/usage/history?group_id=${UNKNOWN}`,
    ]) {
      const res = await h.t.http.get(path, as());
      expect([path, res.status]).toEqual([path, 404]);
    }
    for (const path of [
      '/api/admin/usage?group_id=nope',
      '/api/admin/usage?model=Not%20A%20Model',
      '/api/admin/usage/export?group_id=nope',
      '/api/admin/usage/export?model=local',
      '/api/admin/usage/models?group_id=nope',
      '/api/admin/usage/models?model=Not%20A%20Model',
      '/api/admin/usage/models?group_id=',
      '/api/admin/usage/history?group_id=nope',
      '/api/admin/usage/history?model=Not%20A%20Model',
      `/api/admin/usage/history?group_id=${group}&from=2025-01-01&to=2026-11-28`,
    ]) {
      const res = await h.t.http.get(path, as());
      expect([path, res.status]).toEqual([path, 400]);
    }
  });
});
