import { Sso1765800000000 } from '../../src/database/migrations/1765800000000-sso';
import { upgradeDbPerFile } from '../support/upgrade';

const ANN = '22222222-2222-4222-8222-222222222222';
const BOB = '44444444-4444-4444-8444-444444444444';
const TEAM = '33333333-3333-4333-8333-333333333333';

/**
 * A database of the release before single sign-on, with users, a group and
 * its members, upgrades with nothing lost: every user signs in with a
 * password as before (`auth_source` `password`, no identity), every group
 * is `local` with no external id; undoing the migration gives the tables
 * back as they were.
 */
describe('upgrading a database from before single sign-on', () => {
  const u = upgradeDbPerFile();

  it('keeps users and groups, which become password users and local groups', async () => {
    await u.migrate(u.before(Sso1765800000000));
    await u.q(
      `INSERT INTO users (id, email, name, password_hash, role, is_active) VALUES
        ($1, 'ann@example.com', 'Ann', 'hash-a', 'admin', true),
        ($2, 'bob@example.com', 'Bob', 'hash-b', 'user', false)`,
      [ANN, BOB],
    );
    await u.q(
      `INSERT INTO user_groups (id, name, description) VALUES ($1, 'Team', 'the team')`,
      [TEAM],
    );
    await u.q(
      `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2), ($1, $3)`,
      [TEAM, ANN, BOB],
    );
    const users = `SELECT id, email, name, password_hash, role, is_active, token_version
      FROM users WHERE id IN ($1, $2) ORDER BY email`;
    const groups = `SELECT id, name, description FROM user_groups ORDER BY name`;
    const members = `SELECT group_id, user_id FROM group_members ORDER BY user_id`;
    const before = {
      users: await u.q(users, [ANN, BOB]),
      groups: await u.q(groups),
      members: await u.q(members),
    };

    expect(await u.migrate()).toEqual(['Sso1765800000000']);
    expect(await u.q(users, [ANN, BOB])).toEqual(before.users);
    expect(await u.q(groups)).toEqual(before.groups);
    expect(await u.q(members)).toEqual(before.members);
    expect(
      await u.q(
        `SELECT auth_source, sso_issuer, sso_subject FROM users WHERE id IN ($1, $2)`,
        [ANN, BOB],
      ),
    ).toEqual([
      { auth_source: 'password', sso_issuer: null, sso_subject: null },
      { auth_source: 'password', sso_issuer: null, sso_subject: null },
    ]);
    expect(
      await u.q(`SELECT source, external_id FROM user_groups WHERE id = $1`, [
        TEAM,
      ]),
    ).toEqual([{ source: 'local', external_id: null }]);

    await u.undoLast();
    expect(await u.q(users, [ANN, BOB])).toEqual(before.users);
    expect(await u.q(groups)).toEqual(before.groups);
    expect(await u.q(members)).toEqual(before.members);
  });
});
