import { Clock } from '../../src/modules/usage/clock';
import { sendMessage } from '../support/chat-stream';
import { sql } from '../support/test-db';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Admin side of quotas: per-user limits, a user's quota, the daily usage
 * report, its history and the CSV export, on PostgreSQL. The clock is fixed
 * at 2026-11-28 12:00 UTC.
 */
describe('admin: limits, quota and usage reports', () => {
  let t: TestApp;
  let admin: string;
  const NOW = Date.parse('2026-11-28T12:00:00.000Z');
  const ids: Record<string, string> = {};
  const db = (text: string, params: unknown[] = []) =>
    sql(t.db?.url ?? '', text, params);
  const get = (path: string) => t.http.get(path, { token: admin });

  async function create(body: Record<string, unknown>) {
    const res = await t.http.post(
      '/api/admin/users',
      { password: 'password-123', ...body },
      { token: admin },
    );
    expect(res.status).toBe(201);
    return res.body;
  }

  async function usage(
    user: string,
    day: string,
    messages: number,
    tokens: number,
    held = [0, 0],
  ) {
    // The settled ledger of the reports, and the user's day counter the quota reads.
    await db(
      `INSERT INTO usage_daily (user_id, day, messages, tokens) VALUES ($1, $2, $3, $4)`,
      [ids[user], day, messages, tokens],
    );
    await db(
      `INSERT INTO usage_counters (scope, period_start, messages, tokens, held_messages, held_tokens)
       VALUES ('u:' || $1 || ':day:*', $2, $3, $4, $5, $6)`,
      [ids[user], day, messages, tokens, held[0], held[1]],
    );
  }

  beforeAll(async () => {
    t = await startTestApp();
    t.app.get(Clock).now = () => NOW;
    admin = await t.login();
    const [{ id }] = await db(
      `SELECT id FROM users WHERE email = 'admin@example.com'`,
    );
    ids.admin = id;
    ids.alice = (
      await create({
        email: 'alice@usage.test',
        name: 'Alice Archer',
        max_ai_messages_per_day: 10,
      })
    ).id;
    ids.bob = (await create({ email: 'bob@usage.test', name: 'Bob' })).id;
    ids.carol = (
      await create({
        email: 'carol@usage.test',
        name: '=HYPERLINK("http://x")',
      })
    ).id;
    ids.dave = (
      await create({ email: 'dave@usage.test', name: 'Doe, "Dave"' })
    ).id;
    ids.erin = (await create({ email: 'erin@usage.test', name: 'Erin' })).id;
    await usage('alice', '2026-11-28', 5, 1000);
    await usage('alice', '2026-11-27', 1, 100);
    await usage('bob', '2026-11-28', 2, 3000);
    await usage('bob', '2026-10-30', 1, 10);
    await usage('bob', '2026-10-29', 7, 70);
    // A send in progress only: not settled usage.
    await usage('carol', '2026-11-28', 0, 0, [1, 500]);
    await usage('dave', '2026-11-28', 1, 50);
    // Deactivated: dave still used something that day, erin did not.
    for (const who of ['dave', 'erin']) {
      expect(
        (
          await t.http.patch(
            `/api/admin/users/${ids[who]}`,
            { is_active: false },
            { token: admin },
          )
        ).status,
      ).toBe(200);
    }
  });
  afterAll(() => t?.close());

  describe('limits', () => {
    it('creates and updates with limits; null goes back to the default', async () => {
      const u = await create({
        email: 'limits@x.test',
        max_ai_messages_per_day: 0,
        max_ai_tokens_per_day: 2147483647,
      });
      expect(u).toMatchObject({
        max_ai_messages_per_day: 0,
        max_ai_tokens_per_day: 2147483647,
        effective_max_ai_messages_per_day: 0,
        effective_max_ai_tokens_per_day: 2147483647,
      });
      const patch = await t.http.patch(
        `/api/admin/users/${u.id}`,
        { max_ai_messages_per_day: null, max_ai_tokens_per_day: 7 },
        { token: admin },
      );
      expect(patch.status).toBe(200);
      expect(patch.body).toMatchObject({
        max_ai_messages_per_day: null,
        max_ai_tokens_per_day: 7,
        effective_max_ai_messages_per_day: 100,
        effective_max_ai_tokens_per_day: 7,
      });
      // Absent leaves a limit as it is.
      const rename = await t.http.patch(
        `/api/admin/users/${u.id}`,
        { name: 'Lim' },
        { token: admin },
      );
      expect(rename.body).toMatchObject({
        name: 'Lim',
        max_ai_messages_per_day: null,
        max_ai_tokens_per_day: 7,
      });
      const list = await get('/api/admin/users?search=limits@x.test');
      expect(list.body.items).toEqual([rename.body]);
      const me = await t.http.get('/api/auth/me', {
        token: await t.login('limits@x.test', 'password-123'),
      });
      expect(me.body).toMatchObject({
        max_ai_messages_per_day: null,
        max_ai_tokens_per_day: 7,
      });
      expect(me.body.effective_max_ai_tokens_per_day).toBeUndefined();
      await db('DELETE FROM users WHERE id = $1', [u.id]);
    });

    it('refuses anything but a whole number 0..2147483647 or null (400) and changes nothing', async () => {
      const u = await create({
        email: 'strict@x.test',
        name: 'Strict',
        max_ai_messages_per_day: 4,
      });
      const bad = [-1, 1.5, '5', 2147483648, true, {}, [3], 'null', 1e20];
      for (const field of [
        'max_ai_messages_per_day',
        'max_ai_tokens_per_day',
      ]) {
        for (const value of bad) {
          const res = await t.http.patch(
            `/api/admin/users/${u.id}`,
            { name: 'Changed', [field]: value },
            { token: admin },
          );
          expect([field, value, res.status]).toEqual([field, value, 400]);
          expect(res.body.code).toBe('VALIDATION_FAILED');
          const created = await t.http.post(
            '/api/admin/users',
            { email: 'never@x.test', password: 'password-123', [field]: value },
            { token: admin },
          );
          expect([field, value, created.status]).toEqual([field, value, 400]);
        }
      }
      const [row] = await db(
        `SELECT u.name, l.max_ai_messages_per_day::int, l.max_ai_tokens_per_day::int
         FROM users u JOIN user_daily_limits l ON l.user_id = u.id WHERE u.id = $1`,
        [u.id],
      );
      expect(row).toEqual({
        name: 'Strict',
        max_ai_messages_per_day: 4,
        max_ai_tokens_per_day: null,
      });
      expect(
        await db(`SELECT 1 FROM users WHERE email = 'never@x.test'`),
      ).toEqual([]);
      await db('DELETE FROM users WHERE id = $1', [u.id]);
    });

    it("follows the default settings in effective limits and in users' quotas", async () => {
      const patch = await t.http.patch(
        '/api/admin/settings',
        {
          default_max_ai_messages_per_day: 30,
          default_max_ai_tokens_per_day: 9000,
        },
        { token: admin },
      );
      expect(patch.status).toBe(200);
      try {
        const bob = (await get('/api/admin/users?search=bob@usage.test')).body
          .items[0];
        expect(bob).toMatchObject({
          effective_max_ai_messages_per_day: 30,
          effective_max_ai_tokens_per_day: 9000,
        });
        const quota = (await get(`/api/admin/users/${ids.bob}/quota`)).body;
        expect(quota.messages.limit).toBe(30);
        expect(quota.tokens).toEqual({
          used: 3000,
          limit: 9000,
          remaining: 6000,
        });
        const report = (
          await get('/api/admin/usage?search=usage.test&sort=email&order=asc')
        ).body;
        expect(
          report.items.map((i: { messages_limit: number }) => i.messages_limit),
        ).toEqual([10, 30, 30, 30]);
      } finally {
        await t.http.patch(
          '/api/admin/settings',
          {
            default_max_ai_messages_per_day: 100,
            default_max_ai_tokens_per_day: 500000,
          },
          { token: admin },
        );
      }
    });
  });

  describe("a user's quota", () => {
    it('is what the user sees, sends in progress included', async () => {
      const alice = await get(`/api/admin/users/${ids.alice}/quota`);
      expect(alice.status).toBe(200);
      expect(alice.body).toEqual({
        messages: { used: 5, limit: 10, remaining: 5 },
        tokens: { used: 1000, limit: 500000, remaining: 499000 },
        resets_at: '2026-11-29T00:00:00.000Z',
        timezone: 'UTC',
        model: 'local',
        limits: [
          expect.objectContaining({
            subject: 'user',
            metric: 'messages',
            used: 5,
            limit: 10,
          }),
          expect.objectContaining({
            subject: 'everyone',
            metric: 'tokens',
            used: 1000,
          }),
        ],
      });
      const carol = await get(`/api/admin/users/${ids.carol}/quota`);
      expect(carol.body.messages).toEqual({
        used: 1,
        limit: 100,
        remaining: 99,
      });
      expect(carol.body.tokens).toEqual({
        used: 0,
        limit: 500000,
        remaining: 499500,
      });
      expect(
        (
          await get(
            '/api/admin/users/7d3c2b1a-0000-4000-8000-000000000000/quota',
          )
        ).status,
      ).toBe(404);
      expect((await get('/api/admin/users/not-a-uuid/quota')).status).toBe(400);
    });
  });

  describe('daily report', () => {
    const TOTALS = { messages: 8, tokens: 4050, cost: 0, active_users: 3 };
    const emails = (body: { items: Array<{ email: string }> }) =>
      body.items.map((i) => i.email);

    it('lists every active user and anyone with usage that day, most tokens first by default', async () => {
      const res = await get('/api/admin/usage');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        date: '2026-11-28',
        timezone: 'UTC',
        items: [
          {
            user_id: ids.bob,
            email: 'bob@usage.test',
            name: 'Bob',
            messages: 2,
            tokens: 3000,
            messages_limit: 100,
            tokens_limit: 500000,
            cost: 0,
          },
          {
            user_id: ids.alice,
            email: 'alice@usage.test',
            name: 'Alice Archer',
            messages: 5,
            tokens: 1000,
            messages_limit: 10,
            tokens_limit: 500000,
            cost: 0,
          },
          {
            user_id: ids.dave,
            email: 'dave@usage.test',
            name: 'Doe, "Dave"',
            messages: 1,
            tokens: 50,
            messages_limit: 100,
            tokens_limit: 500000,
            cost: 0,
          },
          {
            user_id: ids.admin,
            email: 'admin@example.com',
            name: 'Admin',
            messages: 0,
            tokens: 0,
            messages_limit: 100,
            tokens_limit: 500000,
            cost: 0,
          },
          {
            user_id: ids.carol,
            email: 'carol@usage.test',
            name: '=HYPERLINK("http://x")',
            messages: 0,
            tokens: 0,
            messages_limit: 100,
            tokens_limit: 500000,
            cost: 0,
          },
        ],
        total: 5,
        page: 1,
        page_size: 50,
        totals: TOTALS,
      });
    });

    it('sorts, searches and pages; the totals stay the whole day', async () => {
      expect(
        emails((await get('/api/admin/usage?sort=messages')).body),
      ).toEqual([
        'alice@usage.test',
        'bob@usage.test',
        'dave@usage.test',
        'admin@example.com',
        'carol@usage.test',
      ]);
      expect(
        emails((await get('/api/admin/usage?sort=tokens&order=asc')).body),
      ).toEqual([
        'admin@example.com',
        'carol@usage.test',
        'dave@usage.test',
        'alice@usage.test',
        'bob@usage.test',
      ]);
      expect(emails((await get('/api/admin/usage?sort=email')).body)).toEqual([
        'admin@example.com',
        'alice@usage.test',
        'bob@usage.test',
        'carol@usage.test',
        'dave@usage.test',
      ]);
      expect(
        emails((await get('/api/admin/usage?sort=email&order=desc')).body),
      ).toEqual([
        'dave@usage.test',
        'carol@usage.test',
        'bob@usage.test',
        'alice@usage.test',
        'admin@example.com',
      ]);
      // Names with punctuation sort by the database's collation: only compare plain ones.
      const plain = ['admin@example.com', 'alice@usage.test', 'bob@usage.test'];
      const byName = (order: string) =>
        get(`/api/admin/usage?sort=name&order=${order}`).then((r) =>
          emails(r.body).filter((e) => plain.includes(e)),
        );
      expect(await byName('asc')).toEqual(plain);
      expect(await byName('desc')).toEqual([...plain].reverse());
      const page2 = (await get('/api/admin/usage?page=2&page_size=2')).body;
      expect(emails(page2)).toEqual(['dave@usage.test', 'admin@example.com']);
      expect(page2).toMatchObject({
        total: 5,
        page: 2,
        page_size: 2,
        totals: TOTALS,
      });
      const past = (await get('/api/admin/usage?page=4&page_size=2')).body;
      expect(past).toMatchObject({ items: [], total: 5, page: 4 });
      const searchPast = (
        await get('/api/admin/usage?search=usage.test&page=9&page_size=2')
      ).body;
      expect(searchPast).toMatchObject({
        items: [],
        total: 4,
        page: 9,
        totals: TOTALS,
      });
      const searchPage = (
        await get('/api/admin/usage?search=usage.test&page=2&page_size=2')
      ).body;
      expect([searchPage.total, emails(searchPage)]).toEqual([
        4,
        ['dave@usage.test', 'carol@usage.test'],
      ]);
      const search = (await get('/api/admin/usage?search=ARCH')).body;
      expect(emails(search)).toEqual(['alice@usage.test']);
      expect(search).toMatchObject({ total: 1, totals: TOTALS });
      expect(emails((await get('/api/admin/usage?search=%25')).body)).toEqual(
        [],
      );
    });

    it('pages across users with and without usage in both orders', async () => {
      const asc = (
        await get('/api/admin/usage?sort=messages&order=asc&page_size=2&page=2')
      ).body;
      expect(emails(asc)).toEqual(['dave@usage.test', 'bob@usage.test']);
      // A deactivated user with messages but no tokens still counts as having usage.
      await usage('alice', '2026-09-01', 1, 5);
      await usage('erin', '2026-09-01', 2, 0);
      const day = '/api/admin/usage?date=2026-09-01';
      expect(emails((await get(`${day}&sort=tokens`)).body)).toEqual([
        'alice@usage.test',
        'admin@example.com',
        'bob@usage.test',
        'carol@usage.test',
        'erin@usage.test',
      ]);
      expect(emails((await get(`${day}&sort=messages`)).body)).toEqual([
        'erin@usage.test',
        'alice@usage.test',
        'admin@example.com',
        'bob@usage.test',
        'carol@usage.test',
      ]);
      const last = (
        await get(`${day}&sort=tokens&order=asc&page_size=2&page=3`)
      ).body;
      expect(emails(last)).toEqual(['alice@usage.test']);
      expect(last).toMatchObject({
        total: 5,
        totals: { messages: 3, tokens: 5, cost: 0, active_users: 2 },
      });
      const found = (
        await get(`${day}&sort=messages&search=r&page_size=1&page=2`)
      ).body;
      expect([found.total, emails(found)]).toEqual([3, ['alice@usage.test']]);
      const third = (
        await get(`${day}&sort=messages&search=r&page_size=1&page=3`)
      ).body;
      expect(emails(third)).toEqual(['carol@usage.test']);
    });

    it('reports another day', async () => {
      const res = (await get('/api/admin/usage?date=2026-11-27&sort=email'))
        .body;
      expect(res.date).toBe('2026-11-27');
      expect(
        res.items.map(
          (i: { email: string; messages: number; tokens: number }) => [
            i.email,
            i.messages,
            i.tokens,
          ],
        ),
      ).toEqual([
        ['admin@example.com', 0, 0],
        ['alice@usage.test', 1, 100],
        ['bob@usage.test', 0, 0],
        ['carol@usage.test', 0, 0],
      ]);
      expect(res.totals).toEqual({
        messages: 1,
        tokens: 100,
        cost: 0,
        active_users: 1,
      });
    });

    it('refuses bad queries with 400', async () => {
      for (const q of [
        'page=0',
        'page_size=0',
        'page_size=201',
        'page=x',
        'date=2026-02-30',
        'date=2026-1-1',
        'date=today',
        'date=2026-11-28T00:00:00Z',
        'sort=cost',
        'order=up',
        'sort=tokens&sort=email',
        'colour=blue',
      ]) {
        const res = await get(`/api/admin/usage?${q}`);
        expect([q, res.status]).toEqual([q, 400]);
      }
    });
  });

  describe('history', () => {
    it('has one item per day, zeros included, oldest first', async () => {
      const res = await get(
        '/api/admin/usage/history?from=2026-11-26&to=2026-11-28',
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        items: [
          {
            date: '2026-11-26',
            messages: 0,
            tokens: 0,
            cost: 0,
            active_users: 0,
          },
          {
            date: '2026-11-27',
            messages: 1,
            tokens: 100,
            cost: 0,
            active_users: 1,
          },
          {
            date: '2026-11-28',
            messages: 8,
            tokens: 4050,
            cost: 0,
            active_users: 3,
          },
        ],
      });
    });

    it('defaults to the 30 days ending today; `from` alone runs to today', async () => {
      const items = (await get('/api/admin/usage/history')).body.items;
      expect(items).toHaveLength(30);
      expect(items[0]).toEqual({
        date: '2026-10-30',
        messages: 1,
        tokens: 10,
        cost: 0,
        active_users: 1,
      });
      expect(items[29].date).toBe('2026-11-28');
      expect(
        items.reduce((s: number, i: { tokens: number }) => s + i.tokens, 0),
      ).toBe(10 + 100 + 4050);
      const to = (await get('/api/admin/usage/history?to=2026-10-30')).body
        .items;
      expect([to.length, to[0].date, to[29]]).toEqual([
        30,
        '2026-10-01',
        {
          date: '2026-10-30',
          messages: 1,
          tokens: 10,
          cost: 0,
          active_users: 1,
        },
      ]);
      const from = (await get('/api/admin/usage/history?from=2026-11-20')).body
        .items;
      expect(from.map((i: { date: string }) => i.date)).toEqual([
        '2026-11-20',
        '2026-11-21',
        '2026-11-22',
        '2026-11-23',
        '2026-11-24',
        '2026-11-25',
        '2026-11-26',
        '2026-11-27',
        '2026-11-28',
      ]);
    });

    it("shows one user's days", async () => {
      const items = (
        await get(
          `/api/admin/usage/history?from=2026-11-27&to=2026-11-28&user_id=${ids.alice}`,
        )
      ).body.items;
      expect(items).toEqual([
        {
          date: '2026-11-27',
          messages: 1,
          tokens: 100,
          cost: 0,
          active_users: 1,
        },
        {
          date: '2026-11-28',
          messages: 5,
          tokens: 1000,
          cost: 0,
          active_users: 1,
        },
      ]);
      expect(
        (
          await get(
            '/api/admin/usage/history?user_id=7d3c2b1a-0000-4000-8000-000000000000',
          )
        ).status,
      ).toBe(404);
    });

    it('allows at most 366 days, and refuses bad ranges with 400', async () => {
      const year = await get(
        '/api/admin/usage/history?from=2026-01-01&to=2027-01-01',
      );
      expect(year.status).toBe(200);
      expect(year.body.items).toHaveLength(366);
      for (const q of [
        'from=2026-01-01&to=2027-01-02',
        'from=2026-11-28&to=2026-11-27',
        'from=2026-02-29',
        'to=28-11-2026',
        'user_id=42',
        'from=',
      ]) {
        const res = await get(`/api/admin/usage/history?${q}`);
        expect([q, res.status]).toEqual([q, 400]);
      }
    });
  });

  describe('CSV export', () => {
    /** The raw bytes as text, the byte order mark kept (fetch's text() drops it). */
    async function raw(path: string) {
      const res = await fetch(t.url + path, {
        headers: { authorization: `Bearer ${admin}` },
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      return {
        res,
        bytes,
        text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes),
      };
    }
    const RANGE_HEADER =
      '\uFEFFdate,user_id,email,name,messages,tokens,messages_limit,tokens_limit,cost_usd';

    it('starts with a UTF-8 byte order mark', async () => {
      const { res, bytes } = await raw(
        '/api/admin/usage/export?date=2026-11-28',
      );
      expect(res.status).toBe(200);
      expect([...bytes.slice(0, 4)]).toEqual([0xef, 0xbb, 0xbf, 0x75]);
    });

    it('exports a date range: one row per user per day with usage, date first, with a BOM', async () => {
      const { res, text } = await raw(
        '/api/admin/usage/export?from=2026-10-29&to=2026-11-28',
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(
        'attachment; filename="tally-usage-2026-10-29_2026-11-28.csv"',
      );
      expect(text).toBe(
        [
          RANGE_HEADER,
          `2026-10-29,${ids.bob},bob@usage.test,Bob,7,70,100,500000,0.000000`,
          `2026-10-30,${ids.bob},bob@usage.test,Bob,1,10,100,500000,0.000000`,
          `2026-11-27,${ids.alice},alice@usage.test,Alice Archer,1,100,10,500000,0.000000`,
          `2026-11-28,${ids.alice},alice@usage.test,Alice Archer,5,1000,10,500000,0.000000`,
          `2026-11-28,${ids.bob},bob@usage.test,Bob,2,3000,100,500000,0.000000`,
          `2026-11-28,${ids.dave},dave@usage.test,"Doe, ""Dave""",1,50,100,500000,0.000000`,
          '',
        ].join('\r\n'),
      );
      // One day as a range; a range with no usage is the header alone.
      expect(
        (await raw('/api/admin/usage/export?from=2026-11-27&to=2026-11-27'))
          .text,
      ).toBe(
        `${RANGE_HEADER}\r\n2026-11-27,${ids.alice},alice@usage.test,Alice Archer,1,100,10,500000,0.000000\r\n`,
      );
      expect(
        (await raw('/api/admin/usage/export?from=2025-01-01&to=2025-01-31'))
          .text,
      ).toBe(`${RANGE_HEADER}\r\n`);
      // 366 days is the most.
      expect(
        (await raw('/api/admin/usage/export?from=2025-11-28&to=2026-11-28')).res
          .status,
      ).toBe(200);
      for (const query of [
        'from=2025-11-27&to=2026-11-28',
        'from=2026-11-28&to=2026-11-27',
        'from=2026-11-01',
        'to=2026-11-01',
        'date=2026-11-28&from=2026-11-01&to=2026-11-28',
        'from=2026-02-30&to=2026-03-01',
      ]) {
        const res = await get(`/api/admin/usage/export?${query}`);
        expect([query, res.status]).toEqual([query, 400]);
      }
    });

    it('streams every row of the day by email, quoted, with formulas defused', async () => {
      const res = await get('/api/admin/usage/export?date=2026-11-28');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(
        'attachment; filename="tally-usage-2026-11-28.csv"',
      );
      expect(res.text).toBe(
        [
          'user_id,email,name,messages,tokens,messages_limit,tokens_limit,cost_usd',
          `${ids.admin},admin@example.com,Admin,0,0,100,500000,0.000000`,
          `${ids.alice},alice@usage.test,Alice Archer,5,1000,10,500000,0.000000`,
          `${ids.bob},bob@usage.test,Bob,2,3000,100,500000,0.000000`,
          `${ids.carol},carol@usage.test,"'=HYPERLINK(""http://x"")",0,0,100,500000,0.000000`,
          `${ids.dave},dave@usage.test,"Doe, ""Dave""",1,50,100,500000,0.000000`,
          '',
        ].join('\r\n'),
      );
      const today = await get('/api/admin/usage/export');
      expect(today.text).toBe(res.text);
      expect(
        (await get('/api/admin/usage/export?date=2026-13-01')).status,
      ).toBe(400);
    });

    it('pages through many users', async () => {
      await db(
        `INSERT INTO users (email, name, password_hash)
         SELECT 'bulk' || lpad(i::text, 5, '0') || '@bulk.test', 'Bulk ' || i, 'x' FROM generate_series(1, 2100) i`,
      );
      try {
        await db(
          `INSERT INTO usage_daily (user_id, day, messages, tokens)
           SELECT id, '2026-11-28', 1, 7 FROM users WHERE email LIKE '%@bulk.test'`,
        );
        const lines = (await get('/api/admin/usage/export')).text.split('\r\n');
        expect(lines).toHaveLength(1 + 5 + 2100 + 1);
        const bulk = lines.filter((l) => l.includes('@bulk.test'));
        expect(bulk).toHaveLength(2100);
        expect(bulk[0]).toMatch(
          /,bulk00001@bulk\.test,Bulk 1,1,7,100,500000,0\.000000$/,
        );
        expect(bulk[2099]).toMatch(
          /,bulk02100@bulk\.test,Bulk 2100,1,7,100,500000,0\.000000$/,
        );
        expect(new Set(lines).size).toBe(lines.length);
        const report = (await get('/api/admin/usage?page_size=1')).body;
        expect(report.total).toBe(5 + 2100);
        expect(report.totals).toEqual({
          messages: 8 + 2100,
          tokens: 4050 + 7 * 2100,
          cost: 0,
          active_users: 3 + 2100,
        });
      } finally {
        await db(`DELETE FROM users WHERE email LIKE '%@bulk.test'`);
      }
    });
  });

  it('reports what real sends charged: the report, history and CSV agree with the counters and the messages', async () => {
    const frank = await t.register('frank@usage.test', 'password-123', 'Frank');
    const chat = (await t.http.post('/api/chats', {}, { token: frank.token }))
      .body.id;
    for (const content of [
      'first question',
      'second, longer question about quotas',
    ]) {
      const res = await sendMessage(
        t.url,
        frank.token,
        chat,
        { content },
        { query: '?stream=false' },
      );
      expect(res.status).toBe(200);
    }
    const [stored] = await db(
      `SELECT count(*)::int AS messages, sum(m.prompt_tokens + m.completion_tokens)::int AS tokens
       FROM messages m JOIN chats c ON c.id = m.chat_id
       WHERE c.user_id = $1 AND m.role = 'assistant' AND m.prompt_tokens IS NOT NULL`,
      [frank.id],
    );
    expect(stored.messages).toBe(2);
    expect(stored.tokens).toBeGreaterThan(0);
    const [counters] = await db(
      `SELECT to_char(period_start, 'YYYY-MM-DD') AS day, messages::int AS messages, tokens::int AS tokens,
              held_messages::int AS held_messages, held_tokens::int AS held_tokens
       FROM usage_counters WHERE scope = 'u:' || $1 || ':day:*'`,
      [frank.id],
    );
    expect(counters).toEqual({
      day: '2026-11-28',
      ...stored,
      held_messages: 0,
      held_tokens: 0,
    });

    const item = (await get('/api/admin/usage?search=frank')).body.items[0];
    expect(item).toMatchObject({
      user_id: frank.id,
      messages: 2,
      tokens: stored.tokens,
    });
    const csv = (await get('/api/admin/usage/export')).text;
    expect(csv).toContain(
      `\r\n${frank.id},frank@usage.test,Frank,2,${stored.tokens},100,500000,0.000000\r\n`,
    );
    const history = (
      await get(
        `/api/admin/usage/history?from=2026-11-28&to=2026-11-28&user_id=${frank.id}`,
      )
    ).body;
    expect(history.items).toEqual([
      {
        date: '2026-11-28',
        messages: 2,
        tokens: stored.tokens,
        cost: 0,
        active_users: 1,
      },
    ]);
    const quota = (await get(`/api/admin/users/${frank.id}/quota`)).body;
    expect(quota.messages.used).toBe(2);
    expect(quota.tokens.used).toBe(stored.tokens);
  });

  it('answers 403 to a user on every usage path', async () => {
    const user = await t.register();
    for (const path of [
      `/api/admin/users/${user.id}/quota`,
      '/api/admin/usage',
      '/api/admin/usage/history',
      '/api/admin/usage/export',
    ]) {
      const res = await t.http.get(path, { token: user.token });
      expect([path, res.status, res.body.code]).toEqual([
        path,
        403,
        'FORBIDDEN',
      ]);
      expect([path, (await t.http.get(path)).status]).toEqual([path, 401]);
    }
    const limit = await t.http.patch(
      `/api/admin/users/${user.id}`,
      { max_ai_messages_per_day: 1000 },
      { token: user.token },
    );
    expect(limit.status).toBe(403);
    const [row] = await db(
      'SELECT max_ai_messages_per_day FROM user_daily_limits WHERE user_id = $1',
      [user.id],
    );
    expect(row.max_ai_messages_per_day).toBeNull();
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = (await t.http.get('/api/docs-json')).body;
    for (const path of [
      '/api/admin/users/{id}/quota',
      '/api/admin/usage',
      '/api/admin/usage/history',
      '/api/admin/usage/export',
    ]) {
      expect([path, Object.keys(doc.paths[path] ?? {})]).toEqual([
        path,
        ['get'],
      ]);
      expect(Object.keys(doc.paths[path].get.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '403']),
      );
    }
    const params = doc.paths['/api/admin/usage'].get.parameters
      .map((p: { name: string }) => p.name)
      .sort();
    expect(params).toEqual([
      'date',
      'group_id',
      'model',
      'order',
      'page',
      'page_size',
      'search',
      'sort',
    ]);
    expect(doc.components.schemas.UsageReportDto.required).toEqual(
      expect.arrayContaining([
        'date',
        'timezone',
        'items',
        'total',
        'page',
        'page_size',
        'totals',
      ]),
    );
    const limit =
      doc.components.schemas.UpdateUserDto.properties.max_ai_messages_per_day;
    expect(limit).toMatchObject({
      type: 'integer',
      nullable: true,
      minimum: 0,
      maximum: 2147483647,
    });
    expect(
      Object.keys(
        doc.paths['/api/admin/usage/export'].get.responses['200'].content,
      ),
    ).toEqual(['text/csv']);
  });
});
