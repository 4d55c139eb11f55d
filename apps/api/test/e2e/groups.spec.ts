import { startTestApp, type TestApp } from '../support/test-app';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('admin: groups and members (PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t.close());

  const get = (path: string) => t.http.get(path, { token: admin });
  const post = (path: string, body: unknown) =>
    t.http.post(path, body, { token: admin });
  const patch = (path: string, body: unknown) =>
    t.http.patch(path, body, { token: admin });
  const put = (path: string) =>
    t.http.request('PUT', path, undefined, { token: admin });
  const del = (path: string) => t.http.delete(path, { token: admin });

  async function group(name: string, description?: string): Promise<string> {
    const res = await post('/api/admin/groups', { name, description });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  it('creates, reads, renames and refuses a taken name whatever its case', async () => {
    const res = await post('/api/admin/groups', {
      name: '  Research ',
      description: 'The lab',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'Research',
      description: 'The lab',
      member_count: 0,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      source: 'local',
      external_id: null,
    });
    const id = res.body.id;
    expect((await get(`/api/admin/groups/${id}`)).body).toEqual(res.body);

    const dup = await post('/api/admin/groups', { name: 'RESEARCH' });
    expect([dup.status, dup.body.code]).toEqual([409, 'GROUP_EXISTS']);

    const other = await group('Teaching');
    const clash = await patch(`/api/admin/groups/${other}`, {
      name: 'research',
    });
    expect([clash.status, clash.body.code]).toEqual([409, 'GROUP_EXISTS']);

    const renamed = await patch(`/api/admin/groups/${id}`, {
      name: 'Research Lab',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      name: 'Research Lab',
      description: 'The lab',
    });
    // Its own name in another case is not a clash.
    const recased = await patch(`/api/admin/groups/${id}`, {
      name: 'RESEARCH LAB',
      description: '',
    });
    expect(recased.body).toMatchObject({
      name: 'RESEARCH LAB',
      description: '',
    });
  });

  it('lists by name with search and paging', async () => {
    for (const n of ['Paging C', 'paging a', 'Paging B', 'Paging 100%'])
      await group(n);
    const p1 = await get('/api/admin/groups?search=PAGING&page=1&page_size=2');
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ total: 4, page: 1, page_size: 2 });
    expect(p1.body.items.map((g: { name: string }) => g.name)).toEqual([
      'Paging 100%',
      'paging a',
    ]);
    const p2 = await get('/api/admin/groups?search=paging&page=2&page_size=2');
    expect(p2.body.items.map((g: { name: string }) => g.name)).toEqual([
      'Paging B',
      'Paging C',
    ]);
    // `%` is a character, not a wildcard.
    const pct = await get('/api/admin/groups?search=0%25');
    expect(pct.body.items.map((g: { name: string }) => g.name)).toEqual([
      'Paging 100%',
    ]);
  });

  it('adds and removes members idempotently, counts them and shows them on AdminUser', async () => {
    const g = await group('Members');
    const h = await group('Another');
    const a = await t.register('member-a@example.com');
    const b = await t.register('member-b@example.com');
    expect((await put(`/api/admin/groups/${g}/members/${b.id}`)).status).toBe(
      204,
    );
    for (let i = 0; i < 2; i++)
      expect((await put(`/api/admin/groups/${g}/members/${a.id}`)).status).toBe(
        204,
      );
    await put(`/api/admin/groups/${h}/members/${a.id}`);

    expect((await get(`/api/admin/groups/${g}`)).body.member_count).toBe(2);
    const members = await get(`/api/admin/groups/${g}/members?page_size=1`);
    expect(members.status).toBe(200);
    expect(members.body).toMatchObject({ total: 2, page: 1, page_size: 1 });
    expect(members.body.items).toEqual([
      expect.objectContaining({ id: b.id, email: 'member-b@example.com' }),
    ]);
    expect(members.body.items[0]).not.toHaveProperty('password_hash');
    const second = await get(
      `/api/admin/groups/${g}/members?page=2&page_size=1`,
    );
    expect(second.body.items.map((u: { id: string }) => u.id)).toEqual([a.id]);

    const users = await get('/api/admin/users?search=member-');
    const byEmail = Object.fromEntries(
      users.body.items.map((u: { email: string; groups: unknown }) => [
        u.email,
        u.groups,
      ]),
    );
    expect(byEmail).toEqual({
      'member-a@example.com': [
        { id: h, name: 'Another' },
        { id: g, name: 'Members' },
      ],
      'member-b@example.com': [{ id: g, name: 'Members' }],
    });
    const patched = await patch(`/api/admin/users/${b.id}`, { name: 'Bee' });
    expect(patched.body.groups).toEqual([{ id: g, name: 'Members' }]);

    for (let i = 0; i < 2; i++)
      expect((await del(`/api/admin/groups/${g}/members/${a.id}`)).status).toBe(
        204,
      );
    expect((await get(`/api/admin/groups/${g}`)).body.member_count).toBe(1);
    const created = await post('/api/admin/users', {
      email: 'fresh@example.com',
      password: 'password-123',
    });
    expect(created.body.groups).toEqual([]);
  });

  it('answers 404 for unknown groups and users, 400 for bad ids and fields', async () => {
    const g = await group('Validation');
    const u = await t.register();
    for (const res of [
      await get(`/api/admin/groups/${UNKNOWN}`),
      await patch(`/api/admin/groups/${UNKNOWN}`, { name: 'x' }),
      await del(`/api/admin/groups/${UNKNOWN}`),
      await get(`/api/admin/groups/${UNKNOWN}/members`),
      await put(`/api/admin/groups/${UNKNOWN}/members/${u.id}`),
      await put(`/api/admin/groups/${g}/members/${UNKNOWN}`),
      await del(`/api/admin/groups/${g}/members/${UNKNOWN}`),
      await del(`/api/admin/groups/${UNKNOWN}/members/${u.id}`),
    ])
      expect([res.status, res.body.code]).toEqual([404, 'NOT_FOUND']);
    for (const res of [
      await get('/api/admin/groups/nope'),
      await put(`/api/admin/groups/${g}/members/nope`),
      await post('/api/admin/groups', { name: '' }),
      await post('/api/admin/groups', { name: '   ' }),
      await post('/api/admin/groups', { name: 'x'.repeat(101) }),
      await post('/api/admin/groups', { name: 'Ok', colour: 'red' }),
      await post('/api/admin/groups', { name: 'Ok', description: null }),
      await patch(`/api/admin/groups/${g}`, { name: null }),
      await get('/api/admin/groups?page=0'),
      await get('/api/admin/groups?page_size=201'),
      await get('/api/admin/groups?sort=name'),
      await get(`/api/admin/groups/${g}/members?search=x`),
    ])
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const user = await t.register();
    const forbidden = await t.http.get('/api/admin/groups', {
      token: user.token,
    });
    expect(forbidden.status).toBe(403);
  });

  it('deletes a group with its memberships and limits; the counters of its past usage stay', async () => {
    const g = await group('Doomed');
    const u = await t.register();
    await put(`/api/admin/groups/${g}/members/${u.id}`);
    await t.query(
      `INSERT INTO limits (subject, subject_id, metric, period, shared, amount)
       VALUES ('group', $1, 'messages', 'day', true, 10)`,
      [g],
    );
    await t.query(
      `INSERT INTO usage_counters (scope, period_start, messages) VALUES ($1, '2026-11-28', 3)`,
      [`g:${g}:day:*`],
    );
    expect((await del(`/api/admin/groups/${g}`)).status).toBe(204);
    expect((await get(`/api/admin/groups/${g}`)).status).toBe(404);
    expect(
      await t.query(
        'SELECT count(*)::int AS n FROM limits WHERE subject_id = $1',
        [g],
      ),
    ).toEqual([{ n: 0 }]);
    expect(
      await t.query(
        'SELECT count(*)::int AS n FROM group_members WHERE group_id = $1',
        [g],
      ),
    ).toEqual([{ n: 0 }]);
    expect(
      await t.query(
        'SELECT messages::int AS m FROM usage_counters WHERE scope = $1',
        [`g:${g}:day:*`],
      ),
    ).toEqual([{ m: 3 }]);
    const user = await get(
      `/api/admin/users?search=${encodeURIComponent(u.email)}`,
    );
    expect(user.body.items[0].groups).toEqual([]);
  });
});
