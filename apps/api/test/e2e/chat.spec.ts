import { TokenCounter } from '../../src/modules/ai';
import { sendMessage } from '../support/chat-stream';
import { sql } from '../support/test-db';
import { startTestApp, type TestApp } from '../support/test-app';

const tokens = new TokenCounter();

describe('chats (built-in local model)', () => {
  let t: TestApp;
  let token: string;
  const db = (text: string, params: unknown[] = []) =>
    sql(t.db?.url ?? '', text, params);
  const create = async (body: unknown = {}) => {
    const res = await t.http.post('/api/chats', body, { token });
    expect(res.status).toBe(201);
    return res.body as {
      id: string;
      title: string;
      created_at: string;
      updated_at: string;
    };
  };
  const list = async () =>
    (await t.http.get('/api/chats', { token })).body.items as Array<{
      id: string;
      title: string;
    }>;

  beforeAll(async () => {
    t = await startTestApp(); // AI_PROVIDER defaults to local
  });
  afterAll(() => t?.close());
  beforeEach(async () => {
    ({ token } = await t.register());
  });

  it('creates a chat with a trimmed title, or untitled', async () => {
    const named = await create({ title: '  Trip to Lisbon  ' });
    expect(named).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: 'Trip to Lisbon',
      model: 'local',
      created_at: expect.any(String),
      updated_at: named.created_at,
    });
    expect(new Date(named.created_at).toISOString()).toBe(named.created_at);
    const untitled = await create();
    expect(untitled.title).toBe('');
    expect(
      (await t.http.get(`/api/chats/${named.id}`, { token })).body,
    ).toEqual({ ...named, messages: [] });
  });

  it('refuses bad titles with 400', async () => {
    for (const body of [
      { title: '' },
      { title: '   ' },
      { title: 'x'.repeat(201) },
      { title: 42 },
      { title: 'ok', color: 'red' },
    ]) {
      const res = await t.http.post('/api/chats', body, { token });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect(await list()).toEqual([]);
    expect((await create({ title: 'y'.repeat(200) })).title).toHaveLength(200);

    const { id } = await create({ title: 'Keep me' });
    for (const body of [
      {},
      { title: '' },
      { title: ' \t ' },
      { title: 'x'.repeat(201) },
      { title: null },
      { title: 'ok', extra: 1 },
    ]) {
      const res = await t.http.patch(`/api/chats/${id}`, body, { token });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await t.http.get(`/api/chats/${id}`, { token })).body.title).toBe(
      'Keep me',
    );
  });

  it('renames a chat', async () => {
    const { id } = await create({ title: 'Old' });
    const res = await t.http.patch(
      `/api/chats/${id}`,
      { title: ' New name ' },
      { token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, title: 'New name' });
    expect((await list()).map((c) => c.title)).toEqual(['New name']);
  });

  it('lists own chats, most recently active first', async () => {
    const a = await create({ title: 'A' });
    const b = await create({ title: 'B' });
    const c = await create({ title: 'C' });
    expect((await list()).map((x) => x.title)).toEqual(['C', 'B', 'A']);

    const sent = await sendMessage(
      t.url,
      token,
      a.id,
      { content: 'bump A' },
      { query: '?stream=false' },
    );
    expect(sent.status).toBe(200);
    expect((await list()).map((x) => x.title)).toEqual(['A', 'C', 'B']);
    const after = (await t.http.get(`/api/chats/${a.id}`, { token })).body;
    expect(after.updated_at).toBe(sent.body.assistant_message.created_at);
    expect(after.updated_at > a.updated_at).toBe(true);
    expect(after.created_at).toBe(a.created_at);

    await sendMessage(t.url, token, b.id, { content: 'bump B' });
    expect((await list()).map((x) => x.id)).toEqual([b.id, a.id, c.id]);

    const other = await t.register();
    expect(
      (await t.http.get('/api/chats', { token: other.token })).body,
    ).toEqual({ items: [], next_cursor: null });
  });

  it('names an untitled chat after its first message, and only the first', async () => {
    const { id } = await create();
    await sendMessage(
      t.url,
      token,
      id,
      {
        content:
          '  Plan a week in Lisbon with museums, food markets and day trips to Sintra and Cascais ',
      },
      { query: '?stream=false' },
    );
    const title = 'Plan a week in Lisbon with museums, food markets and day…';
    expect((await t.http.get(`/api/chats/${id}`, { token })).body.title).toBe(
      title,
    );
    await sendMessage(
      t.url,
      token,
      id,
      { content: 'A different second message' },
      { query: '?stream=false' },
    );
    expect((await t.http.get(`/api/chats/${id}`, { token })).body.title).toBe(
      title,
    );

    const named = await create({ title: 'Mine' });
    await sendMessage(
      t.url,
      token,
      named.id,
      { content: 'hello' },
      { query: '?stream=false' },
    );
    expect(
      (await t.http.get(`/api/chats/${named.id}`, { token })).body.title,
    ).toBe('Mine');

    const short = await create();
    await sendMessage(
      t.url,
      token,
      short.id,
      { content: 'Short\nquestion' },
      { query: '?stream=false' },
    );
    expect(
      (await t.http.get(`/api/chats/${short.id}`, { token })).body.title,
    ).toBe('Short question');
  });

  it('deletes a chat with its messages', async () => {
    const { id } = await create({ title: 'Doomed' });
    await sendMessage(
      t.url,
      token,
      id,
      { content: 'one' },
      { query: '?stream=false' },
    );
    await sendMessage(
      t.url,
      token,
      id,
      { content: 'two' },
      { query: '?stream=false' },
    );
    expect(
      await db(`SELECT count(*)::int AS n FROM messages WHERE chat_id = $1`, [
        id,
      ]),
    ).toEqual([{ n: 4 }]);

    const res = await t.http.delete(`/api/chats/${id}`, { token });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(
      await db(`SELECT count(*)::int AS n FROM messages WHERE chat_id = $1`, [
        id,
      ]),
    ).toEqual([{ n: 0 }]);
    expect((await t.http.get(`/api/chats/${id}`, { token })).status).toBe(404);
    expect((await t.http.delete(`/api/chats/${id}`, { token })).status).toBe(
      404,
    );
    expect(
      (await sendMessage(t.url, token, id, { content: 'three' })).status,
    ).toBe(404);
  });

  it("answers 404 for another user's chat and for unknown ids, 400 for malformed ids", async () => {
    const { id } = await create({ title: 'Private' });
    const other = (await t.register()).token;
    expect(
      (await t.http.get(`/api/chats/${id}`, { token: other })).status,
    ).toBe(404);
    expect(
      (await t.http.patch(`/api/chats/${id}`, { title: 'x' }, { token: other }))
        .status,
    ).toBe(404);
    expect(
      (await t.http.delete(`/api/chats/${id}`, { token: other })).status,
    ).toBe(404);
    expect(
      (await sendMessage(t.url, other, id, { content: 'hi' })).status,
    ).toBe(404);
    expect((await t.http.get(`/api/chats/${id}`, { token })).body.title).toBe(
      'Private',
    );

    const unknown = '7d1e1a43-2b7a-4f59-9a49-2f3b3c0c0c0c';
    const res = await t.http.get(`/api/chats/${unknown}`, { token });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    for (const bad of ['nope', '123', `${unknown}x`]) {
      expect((await t.http.get(`/api/chats/${bad}`, { token })).status).toBe(
        400,
      );
      expect(
        (await t.http.patch(`/api/chats/${bad}`, { title: 'x' }, { token }))
          .status,
      ).toBe(400);
      expect((await t.http.delete(`/api/chats/${bad}`, { token })).status).toBe(
        400,
      );
    }
  });

  it('needs credentials on every route', async () => {
    const { id } = await create();
    expect((await t.http.get('/api/chats')).status).toBe(401);
    expect((await t.http.post('/api/chats', {})).status).toBe(401);
    expect((await t.http.get('/api/chats/quota')).status).toBe(401);
    expect((await t.http.get(`/api/chats/${id}`)).status).toBe(401);
    expect(
      (await t.http.post(`/api/chats/${id}/messages`, { content: 'hi' }))
        .status,
    ).toBe(401);
  });

  it('answers the quota at /api/chats/quota (not taken for an id)', async () => {
    const res = await t.http.get('/api/chats/quota', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      messages: {
        used: expect.any(Number),
        limit: expect.any(Number),
        remaining: expect.any(Number),
      },
      tokens: {
        used: expect.any(Number),
        limit: expect.any(Number),
        remaining: expect.any(Number),
      },
      resets_at: expect.stringMatching(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
      ),
      timezone: expect.any(String),
      model: 'local',
      limits: [
        expect.objectContaining({
          subject: 'everyone',
          metric: 'messages',
          window: 'day',
          model: null,
        }),
        expect.objectContaining({
          subject: 'everyone',
          metric: 'tokens',
          window: 'day',
          model: null,
        }),
      ],
    });
  });

  it("answers in the user's language, from Accept-Language", async () => {
    const { id } = await create();
    const ask = (lang?: string) =>
      t.http.post(
        `/api/chats/${id}/messages?stream=false`,
        { content: 'Сколько слов в этом вопросе?' },
        { token, headers: lang ? { 'accept-language': lang } : {} },
      );
    const ru = await ask('ru-RU,ru;q=0.9,en-US;q=0.8');
    expect(ru.status).toBe(200);
    expect(ru.body.assistant_message.content).toContain('Вы спросили:');
    expect(ru.body.assistant_message.content).toContain('- **Слов:** 5');
    expect(ru.body.assistant_message.content).not.toContain('You asked');
    const other = await ask('de-DE');
    expect(other.body.assistant_message.content).toContain('You asked:');
    const none = await ask();
    expect(none.body.assistant_message.content).toContain('You asked:');
  });

  it('streams the local model and reports its usage', async () => {
    const { id } = await create();
    const content = 'How many tokens does this question have?';
    const res = await sendMessage(t.url, token, id, { content });
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/event-stream');
    const names = res.events.map((e) => e.event);
    expect(names[0]).toBe('user_message');
    expect(names.at(-1)).toBe('done');
    expect(names.filter((n) => n === 'delta').length).toBeGreaterThan(5);

    const text = res.events
      .filter((e) => e.event === 'delta')
      .map((e) => e.data.content)
      .join('');
    expect(text).toContain("Tally's built-in local model");
    expect(text).toContain(`> ${content}`);
    const prompt = tokens.countMessages([{ role: 'user', content }]);
    const completion = tokens.countText(text);
    const done = res.events.at(-1)?.data;
    expect(done.usage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      cost: 0,
    });
    expect(done.assistant_message).toMatchObject({
      content: text,
      status: 'complete',
      prompt_tokens: prompt,
      completion_tokens: completion,
    });

    const second = await sendMessage(
      t.url,
      token,
      id,
      { content: 'And now?' },
      { query: '?stream=false' },
    );
    expect(second.body.assistant_message.content).toContain(
      'This is message 2 of yours',
    );
    // History went upstream: the first exchange counts in the second prompt.
    expect(second.body.usage.prompt_tokens).toBe(
      tokens.countMessages([
        { role: 'user', content },
        { role: 'assistant', content: text },
        { role: 'user', content: 'And now?' },
      ]),
    );
  });
  describe('pages', () => {
    type Page = { items: Array<{ id: string }>; next_cursor: string | null };
    const page = async (as: string, query: string) => {
      const res = await t.http.get<Page>(`/api/chats${query}`, { token: as });
      expect([query, res.status]).toEqual([query, 200]);
      return res.body;
    };
    /** Every page from the first, by `limit`; `between` runs after each page. */
    const walk = async (
      as: string,
      limit: number,
      between: (n: number) => Promise<void> = async () => undefined,
    ) => {
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const p: Page = await page(
          as,
          `?limit=${limit}${cursor ? `&before=${cursor}` : ''}`,
        );
        pages.push(p.items.map((c) => c.id));
        cursor = p.next_cursor;
        if (cursor) await between(pages.length);
      } while (cursor && pages.length < 20);
      return pages;
    };
    /** `n` chats made one after another: the newest last. */
    const createMany = async (as: string, n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const res = await t.http.post(
          '/api/chats',
          { title: `Chat ${i}` },
          { token: as },
        );
        ids.push(res.body.id);
      }
      return ids;
    };

    it("pages 120 chats by 50: 50, 50, 20, then no cursor; never another user's", async () => {
      const other = await t.register();
      const theirs = await createMany(other.token, 3);
      const mine = await createMany(token, 120);
      await createMany(other.token, 2);
      const newestFirst = [...mine].reverse();

      const pages = await walk(token, 50);
      expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
      expect(pages.flat()).toEqual(newestFirst);

      const first = await page(token, '');
      expect(first.items.map((c) => c.id)).toEqual(newestFirst.slice(0, 50));
      expect(first.items[0]).toEqual({
        id: newestFirst[0],
        title: 'Chat 119',
        model: 'local',
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(first.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(await page(token, '?limit=200')).toEqual({
        items: expect.any(Array),
        next_cursor: null,
      });
      expect((await page(token, '?limit=120')).next_cursor).toBeNull();
      expect((await page(token, '?limit=119')).next_cursor).not.toBeNull();

      const theirPages = await walk(other.token, 2);
      expect(theirPages.flat().sort()).toEqual(
        [...theirs, ...(await page(other.token, '')).items.map((c) => c.id)]
          .filter((id, i, all) => all.indexOf(id) === i)
          .sort(),
      );
      expect(theirPages.flat()).toHaveLength(5);
      expect(theirPages.flat().filter((id) => mine.includes(id))).toEqual([]);
    });

    it('skips and repeats nothing when chats get active or are deleted between pages', async () => {
      const mine = await createMany(token, 120);
      const newestFirst = [...mine].reverse();
      const seen = newestFirst[10]; // on the first page
      const unseen = newestFirst[70]; // on the second page, not read yet
      const cursorChat = newestFirst[49]; // the first page's last: its cursor
      const bump = async (id: string) =>
        expect(
          (
            await sendMessage(
              t.url,
              token,
              id,
              { content: 'bump' },
              { query: '?stream=false' },
            )
          ).status,
        ).toBe(200);

      const pages = await walk(token, 50, async (n) => {
        if (n !== 1) return;
        await bump(seen);
        await bump(unseen);
        expect(
          (await t.http.delete(`/api/chats/${cursorChat}`, { token })).status,
        ).toBe(204);
      });
      const all = pages.flat();
      expect(new Set(all).size).toBe(all.length);
      // Every chat left alone comes once, in order; a chat active meanwhile
      // moved above the cursor and is not read again further down.
      expect(pages.slice(1).flat()).toEqual(
        newestFirst.slice(50).filter((id) => id !== unseen),
      );
      expect(pages.map((p) => p.length)).toEqual([50, 50, 19]);
      // The first page, read again, starts with the chats active meanwhile.
      expect((await page(token, '?limit=3')).items.map((c) => c.id)).toEqual([
        unseen,
        seen,
        newestFirst[0],
      ]);
    });

    it('pages chats active in the same millisecond, or the same microsecond, without a gap', async () => {
      const { token: as, id: userId } = await t.register();
      // 7 chats apart by a microsecond each within one millisecond, then 6 with one time: the id decides.
      const rows = await t.query<{ id: string }>(
        `INSERT INTO chats (user_id, title, created_at, updated_at)
         SELECT $1::uuid, 'same ms ' || i, '2026-12-01T10:00:00.123Z'::timestamptz,
                '2026-12-01T10:00:00.123Z'::timestamptz + make_interval(secs => i / 1000000.0)
         FROM generate_series(0, 6) i
         UNION ALL
         SELECT $1::uuid, 'same time ' || i, '2026-12-01T09:00:00Z', '2026-12-01T09:00:00Z'
         FROM generate_series(1, 6) i
         RETURNING id`,
        [userId],
      );
      const pages = await walk(as, 2);
      expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 2, 2, 2, 1]);
      expect([...pages.flat()].sort()).toEqual(rows.map((r) => r.id).sort());
      expect(pages.flat()).toEqual(
        (await page(as, '?limit=200')).items.map((c) => c.id),
      );
    });

    it('refuses a bad limit or a cursor that is not from a page of your chats with 400', async () => {
      await createMany(token, 3);
      const cursor = String((await page(token, '?limit=1')).next_cursor);
      const other = await t.register();
      await createMany(other.token, 3);
      const theirs = String((await page(other.token, '?limit=1')).next_cursor);
      const flipped = Buffer.from(cursor, 'base64url');
      flipped[20] ^= 1;
      for (const query of [
        '?limit=0',
        '?limit=201',
        '?limit=-1',
        '?limit=1.5',
        '?limit=abc',
        '?limit=',
        '?limit=1&limit=2',
        '?before=',
        '?before=abc',
        `?before=${theirs}`,
        `?before=${Buffer.from(cursor, 'base64url').toString('base64')}`,
        `?before=${cursor}x`,
        `?before=${cursor.slice(0, -2)}`,
        `?before=${cursor}&before=${cursor}`,
        `?before=${Buffer.from('{"updated_at":"2026-01-01","id":"x"}').toString('base64url')}`,
        `?before=${'A'.repeat(66)}`,
        `?limit=10&cursor=${cursor}`,
        '?page=2',
      ]) {
        const res = await t.http.get(`/api/chats${query}`, { token });
        expect([query, res.status, res.body.code]).toEqual([
          query,
          400,
          'VALIDATION_FAILED',
        ]);
      }
      // A cursor whose bytes were changed is still refused or names a position of this user's list only.
      const changed = await t.http.get(
        `/api/chats?before=${flipped.toString('base64url')}`,
        { token },
      );
      expect([200, 400]).toContain(changed.status);
      expect((await page(token, `?before=${cursor}`)).items).toHaveLength(2);
    });
  });
});
