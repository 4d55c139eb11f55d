import { CatalogVersion1764810000000 } from '../../src/database/migrations/1764810000000-catalog-version';
import { upgradeDbPerFile } from '../support/upgrade';

/**
 * A database of the release before the in-memory model catalog, with the
 * seeded model and one an admin added, upgrades with nothing lost: the
 * models and connections read as before, the catalog has a version that
 * every change of a model or a connection moves (and a change of nothing
 * leaves), and `tally_raise` fails a statement with the code it is given.
 */
describe('upgrading a database from before the model catalog version', () => {
  const u = upgradeDbPerFile();

  it('keeps the models and connections and versions every later change', async () => {
    await u.migrate(u.before(CatalogVersion1764810000000));
    const [{ id: connection }] = await u.q(
      `SELECT connection_id AS id FROM ai_models WHERE id = 'local'`,
    );
    await u.q(
      `INSERT INTO ai_models (id, name, connection_id, upstream_model, input_price, output_price)
       VALUES ('big', 'Big model', $1, 'tally-local', 5, 15)`,
      [connection],
    );
    const models = `SELECT id, name, connection_id, upstream_model, enabled,
        input_price::text, output_price::text FROM ai_models ORDER BY id`;
    const connections = `SELECT id, name, kind FROM ai_connections ORDER BY id`;
    const before = {
      models: await u.q(models),
      connections: await u.q(connections),
    };

    expect((await u.migrate()).slice(0, 2)).toEqual([
      'CatalogVersion1764810000000',
      'RaiseFunction1764850000000',
    ]);
    expect(await u.migrate()).toEqual([]);
    expect({
      models: await u.q(models),
      connections: await u.q(connections),
    }).toEqual(before);

    expect(await u.q(`SELECT count(*)::int AS n FROM catalog_version`)).toEqual(
      [{ n: 1 }],
    );
    const [{ v: v0 }] = await u.q(
      `SELECT version::text AS v FROM catalog_version`,
    );
    // How far the version moved since the upgrade.
    const moved = async () =>
      (
        await u.q(
          `SELECT (version - $1::bigint)::int AS d FROM catalog_version`,
          [v0],
        )
      )[0].d;
    await u.q(`UPDATE ai_models SET input_price = 6 WHERE id = 'big'`);
    expect(await moved()).toBe(1);
    await u.q(
      `UPDATE ai_models SET enabled = false WHERE id = 'nothing-by-this-name'`,
    );
    expect(await moved()).toBe(1);
    await u.q(
      `UPDATE ai_connections SET name = name || ' (renamed)' WHERE id = $1`,
      [connection],
    );
    expect(await moved()).toBe(2);
    await u.q(`DELETE FROM ai_models WHERE id = 'big'`);
    expect(await moved()).toBe(3);

    await expect(
      u.q(`SELECT tally_raise('TA001', 'stop here')`),
    ).rejects.toMatchObject({
      code: 'TA001',
      message: 'stop here',
    });
  });
});
