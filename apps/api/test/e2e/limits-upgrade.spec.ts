import { LimitsAndGroups1764500000000 } from '../../src/database/migrations/1764500000000-limits-and-groups';
import { Clock } from '../../src/modules/usage/clock';
import { hashPassword } from '../../src/modules/users/users.service';
import { startTestApp } from '../support/test-app';
import { upgradeDbPerFile } from '../support/upgrade';

const ANN = '22222222-2222-4222-8222-222222222222';
const BOB = '44444444-4444-4444-8444-444444444444';

/**
 * A database of the release before limits, with own limits, a changed
 * default, usage on several days and models and a hold in progress,
 * upgrades to limit rows and counters with nothing lost: the seed's fields
 * and settings read as before, and every window counts the old usage.
 */
describe('upgrading a database from before limits and groups', () => {
  const u = upgradeDbPerFile();

  it('turns the four knobs into limit rows and the usage into counters of every window', async () => {
    await u.migrate(u.before(LimitsAndGroups1764500000000));
    const hash = await hashPassword('old-password-1');
    await u.q(
      `INSERT INTO users (id, email, name, password_hash, role, max_ai_messages_per_day, max_ai_tokens_per_day) VALUES
        ($1, 'ann@example.com', 'Ann', $3, 'user', 7, NULL),
        ($2, 'bob@example.com', 'Bob', $3, 'user', NULL, 123456)`,
      [ANN, BOB, hash],
    );
    await u.q(
      `UPDATE settings SET value = '42' WHERE key = 'default_max_ai_messages_per_day'`,
    );
    // Monday 30 November (1 sent, 1 in progress), Sunday 29 (the week before) and 31 October.
    await u.q(
      `INSERT INTO usage_daily (user_id, day, messages, tokens, cost, held_messages, held_tokens) VALUES
        ($1, '2026-11-30', 1, 100, 5, 1, 50),
        ($1, '2026-11-29', 1, 10, 0, 0, 0),
        ($1, '2026-10-31', 4, 40, 0, 0, 0)`,
      [ANN],
    );
    await u.q(
      `INSERT INTO usage_daily_models (user_id, day, model, messages, prompt_tokens, completion_tokens, cost) VALUES
        ($1, '2026-11-30', 'local', 1, 60, 40, 5),
        ($1, '2026-11-29', 'local', 1, 6, 4, 0)`,
      [ANN],
    );
    await u.q(
      `INSERT INTO usage_holds (user_id, day, messages, tokens, expires_at)
       VALUES ($1, '2026-11-30', 1, 50, now() + interval '1 hour')`,
      [ANN],
    );
    const ledger = await u.q(
      `SELECT user_id, to_char(day, 'YYYY-MM-DD') AS day, messages, tokens::int, cost::int
       FROM usage_daily ORDER BY user_id, day`,
    );

    // This release's migration first, then any later ones.
    const ran = await u.migrate();
    expect(ran[0]).toBe('LimitsAndGroups1764500000000');
    expect(await u.migrate()).toEqual([]);

    // The ledger of the reports is kept, without the hold columns that moved to the counters.
    expect(
      await u.q(
        `SELECT user_id, to_char(day, 'YYYY-MM-DD') AS day, messages, tokens::int, cost::int
         FROM usage_daily ORDER BY user_id, day`,
      ),
    ).toEqual(ledger);
    expect(
      await u.q(
        `SELECT subject, subject_id, metric, period, model, shared, amount::int FROM limits
         ORDER BY subject, subject_id NULLS FIRST, metric`,
      ),
    ).toEqual([
      {
        subject: 'everyone',
        subject_id: null,
        metric: 'messages',
        period: 'day',
        model: null,
        shared: false,
        amount: 42,
      },
      {
        subject: 'everyone',
        subject_id: null,
        metric: 'tokens',
        period: 'day',
        model: null,
        shared: false,
        amount: 500000,
      },
      {
        subject: 'user',
        subject_id: ANN,
        metric: 'messages',
        period: 'day',
        model: null,
        shared: false,
        amount: 7,
      },
      {
        subject: 'user',
        subject_id: BOB,
        metric: 'tokens',
        period: 'day',
        model: null,
        shared: false,
        amount: 123456,
      },
    ]);
    const counters = await u.q(
      `SELECT scope, to_char(period_start, 'YYYY-MM-DD') AS start, messages::int, tokens::int, cost::int,
              held_messages::int AS hm, held_tokens::int AS ht
       FROM usage_counters ORDER BY scope, period_start`,
    );
    const c = (
      scope: string,
      start: string,
      m: number,
      t: number,
      cost = 0,
      hm = 0,
      ht = 0,
    ) => ({
      scope: `u:${ANN}:${scope}`,
      start,
      messages: m,
      tokens: t,
      cost,
      hm,
      ht,
    });
    expect(counters).toEqual([
      c('day:*', '2026-10-31', 4, 40),
      c('day:*', '2026-11-29', 1, 10),
      c('day:*', '2026-11-30', 1, 100, 5, 1, 50),
      c('day:local', '2026-11-29', 1, 10),
      c('day:local', '2026-11-30', 1, 100, 5),
      c('month:*', '2026-10-01', 4, 40),
      c('month:*', '2026-11-01', 2, 110, 5, 1, 50),
      c('month:local', '2026-11-01', 2, 110, 5),
      c('week:*', '2026-10-26', 4, 40),
      c('week:*', '2026-11-23', 1, 10),
      c('week:*', '2026-11-30', 1, 100, 5, 1, 50),
      c('week:local', '2026-11-23', 1, 10),
      c('week:local', '2026-11-30', 1, 100, 5),
    ]);
    expect(
      await u.q(
        `SELECT scopes, to_char(periods[2], 'YYYY-MM-DD') AS week FROM usage_holds`,
      ),
    ).toEqual([
      {
        scopes: [`u:${ANN}:day:*`, `u:${ANN}:week:*`, `u:${ANN}:month:*`],
        week: '2026-11-30',
      },
    ]);

    // The upgraded database serves the seed's fields and settings as before.
    const t = await startTestApp({
      database: u.db,
      env: { ADMIN_EMAIL: '', ADMIN_PASSWORD: '' },
    });
    try {
      t.app.get(Clock).now = () => Date.parse('2026-11-30T12:00:00.000Z');
      await u.q(
        `INSERT INTO users (email, password_hash, role) VALUES ('root@example.com', $1, 'admin')`,
        [hash],
      );
      const admin = await t.login('root@example.com', 'old-password-1');
      const users = (await t.http.get('/api/admin/users', { token: admin }))
        .body.items;
      const pick = (email: string) =>
        users.find((x: { email: string }) => x.email === email);
      expect(pick('ann@example.com')).toMatchObject({
        max_ai_messages_per_day: 7,
        max_ai_tokens_per_day: null,
        effective_max_ai_messages_per_day: 7,
        effective_max_ai_tokens_per_day: 500000,
      });
      expect(pick('bob@example.com')).toMatchObject({
        max_ai_messages_per_day: null,
        max_ai_tokens_per_day: 123456,
        effective_max_ai_messages_per_day: 42,
        effective_max_ai_tokens_per_day: 123456,
      });
      expect(
        (await t.http.get('/api/admin/settings', { token: admin })).body,
      ).toMatchObject({
        default_max_ai_messages_per_day: 42,
        default_max_ai_tokens_per_day: 500000,
      });
      const token = await t.login('ann@example.com', 'old-password-1');
      const quota = (
        await t.http.get('/api/chats/quota?model=local', { token })
      ).body;
      expect(quota.messages).toEqual({ used: 2, limit: 7, remaining: 5 });
      expect(quota.tokens).toEqual({
        used: 100,
        limit: 500000,
        remaining: 500000 - 150,
      });
    } finally {
      await t.close();
    }

    // And back: the columns and settings return with their values.
    for (let i = 0; i < ran.length; i++) await u.undoLast();
    expect(
      await u.q(
        `SELECT email, max_ai_messages_per_day, max_ai_tokens_per_day FROM users WHERE id IN ($1, $2) ORDER BY email`,
        [ANN, BOB],
      ),
    ).toEqual([
      {
        email: 'ann@example.com',
        max_ai_messages_per_day: 7,
        max_ai_tokens_per_day: null,
      },
      {
        email: 'bob@example.com',
        max_ai_messages_per_day: null,
        max_ai_tokens_per_day: 123456,
      },
    ]);
    expect(
      await u.q(
        `SELECT key, value FROM settings WHERE key LIKE 'default_max%' ORDER BY key`,
      ),
    ).toEqual([
      { key: 'default_max_ai_messages_per_day', value: 42 },
      { key: 'default_max_ai_tokens_per_day', value: 500000 },
    ]);
  });
});
