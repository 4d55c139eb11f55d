import { MIGRATIONS } from '../../src/database/migrations';
import { DailyQuotas1764320000000 } from '../../src/database/migrations/1764320000000-daily-quotas';
import { hashPassword } from '../../src/modules/users/users.service';
import { upgradeDbPerFile } from '../support/upgrade';
import { startTestApp } from '../support/test-app';

/** A database from before daily quotas, with users, chats and messages, upgrades with nothing lost. */
describe('upgrading a database from before daily quotas', () => {
  const u = upgradeDbPerFile();
  const q = (text: string, params: unknown[] = []) => u.q(text, params);
  const migrate = (m?: Parameters<typeof u.migrate>[0]) => u.migrate(m);

  it('keeps every user, chat and message; limits are null and the defaults are seeded', async () => {
    const index = MIGRATIONS.indexOf(DailyQuotas1764320000000);
    expect(index).toBeGreaterThan(0);
    expect(await migrate(MIGRATIONS.slice(0, index))).toHaveLength(index);
    expect(await q(`SELECT to_regclass('usage_daily') AS t`)).toEqual([
      { t: null },
    ]);

    const hash = await hashPassword('old-password-1');
    await q(
      `INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES
        ('11111111-1111-4111-8111-111111111111', 'old.admin@example.com', 'Old Admin', $1, 'admin', '2025-01-02T03:04:05Z'),
        ('22222222-2222-4222-8222-222222222222', 'old.user@example.com', 'Old User', $1, 'user', '2025-02-03T04:05:06Z')`,
      [hash],
    );
    await q(
      `INSERT INTO chats (id, user_id, title, created_at, updated_at) VALUES
        ('33333333-3333-4333-8333-333333333333', '22222222-2222-4222-8222-222222222222', 'Before', '2025-03-01Z', '2025-03-02Z')`,
    );
    await q(
      `INSERT INTO messages (chat_id, role, content, status, prompt_tokens, completion_tokens, created_at) VALUES
        ('33333333-3333-4333-8333-333333333333', 'user', 'hi', 'complete', NULL, NULL, '2025-03-01T10:00:00Z'),
        ('33333333-3333-4333-8333-333333333333', 'assistant', 'hello', 'complete', 12, 3, '2025-03-01T10:00:01Z')`,
    );
    // A setting written by an earlier version is kept, not reseeded.
    await q(
      `INSERT INTO settings (key, value) VALUES ('default_max_ai_messages_per_day', '42')`,
    );
    const snapshot = async () => ({
      users: await q('SELECT * FROM users ORDER BY id'),
      chats: await q('SELECT * FROM chats ORDER BY id'),
      messages: await q('SELECT * FROM messages ORDER BY seq'),
    });
    const before = await snapshot();

    const upgrades = MIGRATIONS.slice(index).map((m) => new m().name);
    expect(upgrades[0]).toBe('DailyQuotas1764320000000');
    expect(await migrate(MIGRATIONS)).toEqual(upgrades);
    expect(await migrate(MIGRATIONS)).toEqual([]);

    const after = await snapshot();
    // Later migrations add a chat's model (null: the default model) and an answer's model and cost.
    expect(after.chats).toEqual(
      before.chats.map((c) => ({ ...c, model: null })),
    );
    expect(after.messages).toEqual(
      before.messages.map((m) => ({
        ...m,
        model: null,
        cost: null,
        cut_by: null,
      })),
    );
    expect(after.users).toEqual(
      // Later releases' columns, at their defaults.
      before.users.map((u) => ({
        ...u,
        token_version: 0,
        auth_source: 'password',
        sso_issuer: null,
        sso_subject: null,
      })),
    );
    // The default limits are everyone's daily limits now; the settings show them.
    expect(
      await q(
        `SELECT key, value FROM settings WHERE key LIKE '%ai%' OR key = 'quota_timezone'
         UNION ALL SELECT key, value FROM default_daily_limits ORDER BY key`,
      ),
    ).toEqual([
      { key: 'default_max_ai_messages_per_day', value: 42 },
      { key: 'default_max_ai_tokens_per_day', value: 500000 },
      { key: 'quota_timezone', value: 'UTC' },
    ]);
    // History is not usage of today: counters start empty.
    expect(await q('SELECT count(*)::int AS n FROM usage_daily')).toEqual([
      { n: 0 },
    ]);

    // The upgraded database serves: old logins work and quotas apply.
    const t = await startTestApp({
      database: u.db,
      env: { ADMIN_EMAIL: '', ADMIN_PASSWORD: '' },
    });
    try {
      const token = await t.login('old.user@example.com', 'old-password-1');
      const me = await t.http.get('/api/auth/me', { token });
      expect(me.body).toMatchObject({
        name: 'Old User',
        max_ai_messages_per_day: null,
        max_ai_tokens_per_day: null,
      });
      const quota = await t.http.get('/api/chats/quota', { token });
      expect(quota.body.messages).toEqual({
        used: 0,
        limit: 42,
        remaining: 42,
      });
      const chat = await t.http.get(
        '/api/chats/33333333-3333-4333-8333-333333333333',
        { token },
      );
      expect(
        chat.body.messages.map((m: { content: string }) => m.content),
      ).toEqual(['hi', 'hello']);
      const adminToken = await t.login(
        'old.admin@example.com',
        'old-password-1',
      );
      const users = await t.http.get('/api/admin/users', { token: adminToken });
      expect(
        users.body.items.map(
          (u: { effective_max_ai_messages_per_day: number }) =>
            u.effective_max_ai_messages_per_day,
        ),
      ).toEqual([42, 42]);
    } finally {
      await t.close();
    }
  });
});
