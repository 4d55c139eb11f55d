import { RequestLogCount1765200000000 } from '../../src/database/migrations/1765200000000-request-log-count';
import { upgradeDbPerFile } from '../support/upgrade';

/**
 * A request log of the release before refused requests were counted per
 * minute upgrades with its rows kept, each counting 1, except refused rows
 * the new index would hold twice: those are merged into the earliest,
 * counting them all. A key deleted before the upgrade reads as none.
 */
describe('upgrading a request log from before refusals were counted', () => {
  const u = upgradeDbPerFile();

  it('keeps every row with count 1 and merges refusals of one minute', async () => {
    await u.migrate(u.before(RequestLogCount1765200000000));
    const [{ id: user }] = await u.q(
      `INSERT INTO users (email, password_hash, name)
       VALUES ('old@example.com', 'x', 'Old') RETURNING id`,
    );
    const keys = [];
    for (const name of ['a', 'b'])
      keys.push(
        (
          await u.q(
            `INSERT INTO api_keys (user_id, name, prefix, key_hash)
             VALUES ($1, $2::text, $2::text, $2::text) RETURNING id`,
            [user, name],
          )
        )[0].id,
      );
    const row = (
      key: unknown,
      status: string,
      code: string | null,
      at: string,
      model = 'local',
    ) =>
      u.q(
        `INSERT INTO gateway_requests (user_id, api_key_id, model, status, code,
           prompt_tokens, completion_tokens, cost, started_at, duration_ms)
         VALUES ($1, $2, $3, $4, $5, 1, 2, 3, $6, 7)`,
        [user, key, model, status, code, at],
      );
    const [a, b] = keys;
    // Kept as they are.
    await row(a, 'complete', null, '2026-12-01T10:00:01Z');
    await row(a, 'complete', null, '2026-12-01T10:00:02Z');
    await row(a, 'error', 'AI_PROVIDER_ERROR', '2026-12-01T10:00:03Z');
    await row(a, 'refused', 'QUOTA_MESSAGES_EXCEEDED', '2026-12-01T10:01:00Z');
    await row(b, 'refused', 'QUOTA_MESSAGES_EXCEEDED', '2026-12-01T10:00:10Z');
    await row(a, 'refused', 'model_not_found', '2026-12-01T10:00:10Z');
    // Three of one key, code and minute, and two without a key.
    await row(a, 'refused', 'QUOTA_MESSAGES_EXCEEDED', '2026-12-01T10:00:30Z');
    await row(
      a,
      'refused',
      'QUOTA_MESSAGES_EXCEEDED',
      '2026-12-01T10:00:05Z',
      'first',
    );
    await row(
      a,
      'refused',
      'QUOTA_MESSAGES_EXCEEDED',
      '2026-12-01T10:00:59.9Z',
    );
    await row(
      null,
      'refused',
      'QUOTA_TOKENS_EXCEEDED',
      '2026-12-01T10:00:20Z',
      'first',
    );
    await row(null, 'refused', 'QUOTA_TOKENS_EXCEEDED', '2026-12-01T10:00:40Z');

    expect(await u.migrate(u.through(RequestLogCount1765200000000))).toEqual([
      'RequestLogCount1765200000000',
    ]);
    expect(await u.migrate(u.through(RequestLogCount1765200000000))).toEqual(
      [],
    );

    const rows = await u.q(
      `SELECT CASE api_key_id WHEN $1 THEN 'a' WHEN $2 THEN 'b' ELSE '-' END AS key,
              model, status, code, to_char(started_at AT TIME ZONE 'UTC', 'HH24:MI:SS') AS at,
              prompt_tokens, completion_tokens, cost::int, duration_ms, count, by_api_key
       FROM gateway_requests ORDER BY started_at, status, code COLLATE "C"`,
      [a, b],
    );
    const kept = {
      prompt_tokens: 1,
      completion_tokens: 2,
      cost: 3,
      duration_ms: 7,
    };
    expect(rows).toEqual(
      [
        ['a', 'local', 'complete', null, '10:00:01', 1],
        ['a', 'local', 'complete', null, '10:00:02', 1],
        ['a', 'local', 'error', 'AI_PROVIDER_ERROR', '10:00:03', 1],
        ['a', 'first', 'refused', 'QUOTA_MESSAGES_EXCEEDED', '10:00:05', 3],
        ['b', 'local', 'refused', 'QUOTA_MESSAGES_EXCEEDED', '10:00:10', 1],
        ['a', 'local', 'refused', 'model_not_found', '10:00:10', 1],
        ['-', 'first', 'refused', 'QUOTA_TOKENS_EXCEEDED', '10:00:20', 2],
        ['a', 'local', 'refused', 'QUOTA_MESSAGES_EXCEEDED', '10:01:00', 1],
      ].map(([key, model, status, code, at, count]) => ({
        key,
        model,
        status,
        code,
        at,
        count,
        by_api_key: key !== '-',
        ...kept,
      })),
    );

    // The next refusal of that minute counts into its row; a deleted
    // key's row leaves the index instead of meeting the keyless one.
    await u.q(
      `INSERT INTO gateway_requests (user_id, api_key_id, model, status, code, started_at, duration_ms, by_api_key)
       VALUES ($1, $2, 'local', 'refused', 'QUOTA_TOKENS_EXCEEDED', '2026-12-01T10:00:50Z', 1, true)`,
      [user, a],
    );
    await u.q(`DELETE FROM api_keys WHERE id = $1`, [a]);
    expect(
      await u.q(
        `SELECT count(*)::int AS n FROM gateway_requests WHERE api_key_id IS NULL`,
      ),
    ).toEqual([{ n: 8 }]);

    // It can be undone, and done again.
    await u.undoLast();
    expect(
      await u.q(
        `SELECT column_name FROM information_schema.columns
         WHERE table_name = 'gateway_requests' AND column_name IN ('count', 'by_api_key')`,
      ),
    ).toEqual([]);
    expect(await u.migrate(u.through(RequestLogCount1765200000000))).toEqual([
      'RequestLogCount1765200000000',
    ]);
  });
});
