import { MIGRATIONS } from '../../src/database/migrations';
import { ModelsAndCost1764410000000 } from '../../src/database/migrations/1764410000000-models-and-cost';
import { hashPassword } from '../../src/modules/users/users.service';
import { upgradeDbPerFile } from '../support/upgrade';
import { startTestApp } from '../support/test-app';

const USER = '22222222-2222-4222-8222-222222222222';
const CHAT = '33333333-3333-4333-8333-333333333333';

/** A database from before models, with users, chats, messages and usage, upgrades with nothing lost. */
describe('upgrading a database from before models and cost', () => {
  const u = upgradeDbPerFile();
  const q = (text: string, params: unknown[] = []) => u.q(text, params);
  const migrate = (m?: Parameters<typeof u.migrate>[0]) => u.migrate(m);

  it('keeps users, chats, messages and usage; old chats use the default model', async () => {
    const index = MIGRATIONS.indexOf(ModelsAndCost1764410000000);
    expect(index).toBeGreaterThan(0);
    await migrate(MIGRATIONS.slice(0, index));
    expect(await q(`SELECT to_regclass('ai_models') AS t`)).toEqual([
      { t: null },
    ]);

    const hash = await hashPassword('old-password-1');
    await q(
      `INSERT INTO users (id, email, name, password_hash, role, max_ai_tokens_per_day) VALUES
        ($1, 'old.user@example.com', 'Old User', $2, 'user', 9000)`,
      [USER, hash],
    );
    await q(
      `INSERT INTO chats (id, user_id, title, created_at, updated_at) VALUES ($1, $2, 'Before', '2026-11-01Z', '2026-11-02Z')`,
      [CHAT, USER],
    );
    await q(
      `INSERT INTO messages (chat_id, role, content, status, prompt_tokens, completion_tokens) VALUES
        ($1, 'user', 'hi', 'complete', NULL, NULL),
        ($1, 'assistant', 'hello', 'complete', 12, 3)`,
      [CHAT],
    );
    await q(
      `INSERT INTO usage_daily (user_id, day, messages, tokens) VALUES ($1, '2026-11-01', 1, 15)`,
      [USER],
    );
    const snapshot = async () => ({
      users: await q('SELECT * FROM users ORDER BY id'),
      chats: await q(
        'SELECT id, user_id, title, created_at, updated_at FROM chats ORDER BY id',
      ),
      messages: await q(
        'SELECT id, seq, chat_id, role, content, status, prompt_tokens, completion_tokens, created_at FROM messages ORDER BY seq',
      ),
      usage: await q(
        'SELECT user_id, day, messages, tokens FROM usage_daily ORDER BY user_id, day',
      ),
    });
    const before = await snapshot();

    const ran = await migrate(MIGRATIONS);
    expect(ran).toContain('ModelsAndCost1764410000000');
    expect(await migrate(MIGRATIONS)).toEqual([]);
    const after = await snapshot();
    expect(after.chats).toEqual(before.chats);
    expect(after.messages).toEqual(before.messages);
    expect(after.usage).toEqual(before.usage);
    expect(after.users.map((u) => u.email)).toEqual(
      before.users.map((u) => u.email),
    );
    expect(await q('SELECT model FROM chats')).toEqual([{ model: null }]);
    expect(await q('SELECT model, cost FROM messages ORDER BY seq')).toEqual([
      { model: null, cost: null },
      { model: null, cost: null },
    ]);
    expect(await q(`SELECT cost::int AS cost FROM usage_daily`)).toEqual([
      { cost: 0 },
    ]);

    const t = await startTestApp({
      database: u.db,
      env: { ADMIN_EMAIL: '', ADMIN_PASSWORD: '' },
    });
    try {
      const token = await t.login('old.user@example.com', 'old-password-1');
      const chat = await t.http.get(`/api/chats/${CHAT}`, { token });
      expect(chat.body).toMatchObject({
        id: CHAT,
        title: 'Before',
        model: 'local',
      });
      expect(chat.body.messages).toEqual([
        expect.objectContaining({ content: 'hi', model: null, cost: null }),
        expect.objectContaining({
          content: 'hello',
          model: null,
          cost: null,
          prompt_tokens: 12,
        }),
      ]);
      expect(
        (await t.http.get('/api/chats', { token })).body.items[0].model,
      ).toBe('local');
      // It still answers, on the default model.
      const sent = await t.http.post(
        `/api/chats/${CHAT}/messages?stream=false`,
        { content: 'again' },
        { token },
      );
      expect(sent.status).toBe(200);
      expect(sent.body.assistant_message.status).toBe('complete');
    } finally {
      await t.close();
    }
  });
});
