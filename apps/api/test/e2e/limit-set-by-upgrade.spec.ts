import { LimitSetBy1765100000000 } from '../../src/database/migrations/1765100000000-limit-set-by';
import { upgradeDbPerFile } from '../support/upgrade';

const ANN = '22222222-2222-4222-8222-222222222222';
const KEY = '33333333-3333-4333-8333-333333333333';

/**
 * A database of the release before limits had an owner, with a key's own
 * limits (as its owner set them), an admin's limit of one model on the key
 * and the seed's limits, upgrades with nothing lost: the key's limits over
 * all models become its owner's, the one of a model (only admins could set
 * those) and every other limit an admin's; an owner's and an admin's limit
 * of one kind may then stand side by side, and undoing the migration keeps
 * the admin's.
 */
describe('upgrading a database from before limits had an owner', () => {
  const u = upgradeDbPerFile();

  it('gives the key limits over all models to the owner and every other limit to an admin', async () => {
    await u.migrate(u.before(LimitSetBy1765100000000));
    await u.q(
      `INSERT INTO users (id, email, name, password_hash, role)
       VALUES ($1, 'ann@example.com', 'Ann', 'x', 'user')`,
      [ANN],
    );
    await u.q(
      `INSERT INTO api_keys (id, user_id, name, prefix, key_hash)
       VALUES ($1, $2, 'svc', 'tly_abcdefgh', 'hash')`,
      [KEY, ANN],
    );
    await u.q(
      `INSERT INTO limits (subject, subject_id, metric, period, model, amount) VALUES
        ('api_key', $1, 'messages', 'day', NULL, 5),
        ('api_key', $1, 'cost', 'month', NULL, 1000000),
        ('api_key', $1, 'tokens', 'week', 'local', 9000),
        ('user', $2, 'messages', 'day', NULL, 7)`,
      [KEY, ANN],
    );
    const rows = `SELECT subject, coalesce(subject_id::text, '-') AS subject_id, metric, period,
        coalesce(model, '*') AS model, shared, amount::int AS amount FROM limits
      ORDER BY subject, metric, period, model`;
    const before = await u.q(rows);

    expect(await u.migrate(u.through(LimitSetBy1765100000000))).toEqual([
      'LimitSetBy1765100000000',
    ]);
    expect(await u.migrate(u.through(LimitSetBy1765100000000))).toEqual([]);
    expect(await u.q(rows)).toEqual(before);
    expect(
      await u.q(
        `SELECT subject, metric, coalesce(model, '*') AS model, set_by FROM limits
         ORDER BY subject, metric`,
      ),
    ).toEqual([
      { subject: 'api_key', metric: 'cost', model: '*', set_by: 'owner' },
      { subject: 'api_key', metric: 'messages', model: '*', set_by: 'owner' },
      { subject: 'api_key', metric: 'tokens', model: 'local', set_by: 'admin' },
      { subject: 'everyone', metric: 'messages', model: '*', set_by: 'admin' },
      { subject: 'everyone', metric: 'tokens', model: '*', set_by: 'admin' },
      { subject: 'user', metric: 'messages', model: '*', set_by: 'admin' },
    ]);

    // An admin's limit beside the owner's of the same kind; never two of one owner.
    await u.q(
      `INSERT INTO limits (subject, subject_id, metric, period, amount, set_by)
       VALUES ('api_key', $1, 'messages', 'day', 2, 'admin')`,
      [KEY],
    );
    await expect(
      u.q(
        `INSERT INTO limits (subject, subject_id, metric, period, amount, set_by)
         VALUES ('api_key', $1, 'messages', 'day', 3, 'admin')`,
        [KEY],
      ),
    ).rejects.toMatchObject({ code: '23505' });
    // Only a key has an owner.
    await expect(
      u.q(
        `INSERT INTO limits (subject, subject_id, metric, period, amount, set_by)
         VALUES ('user', $1, 'tokens', 'day', 3, 'owner')`,
        [ANN],
      ),
    ).rejects.toMatchObject({ code: '23514' });

    await u.undoLast();
    expect(await u.q(rows)).toEqual(
      before.map((r) =>
        r.subject === 'api_key' && r.metric === 'messages'
          ? { ...r, amount: 2 }
          : r,
      ),
    );
  });
});
