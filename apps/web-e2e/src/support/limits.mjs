/**
 * What the two files of limit tests share: Ann, her weekly limit, and the
 * group, limits and grant of the admin's tests written straight into the
 * database (limits-usage.e2e.mjs always; limits.e2e.mjs where the API has
 * no admin endpoints for them).
 */
export const ANN = {
  email: 'ann-limits@example.com',
  password: 'password-limits-1',
  name: 'Ann',
};
/** Ann's own weekly limit: the fourth message takes her to 80 %. */
export const WEEK = 5;
export const SENDS = 4;

/** The status of a GET with the signed-in user's token. */
export function status(page, path) {
  return page.evaluate(
    async (url) =>
      (
        await fetch(url, {
          headers: {
            Authorization: `Bearer ${localStorage.getItem('tally.token')}`,
          },
        })
      ).status,
    path,
  );
}

/**
 * What the admin's tests set up through the pages: the group Research with
 * Ann in it, 50 messages a day for each member, $200 a month together, Ann's
 * weekly limit and a grant of 10 more messages today.
 */
export async function seedLimits(stack) {
  const ann = `(SELECT id FROM users WHERE email = '${ANN.email}')`;
  const research = `(SELECT id FROM user_groups WHERE name = 'Research')`;
  await stack.sql(`
    INSERT INTO user_groups (name, description) VALUES ('Research', 'The lab');
    INSERT INTO group_members (group_id, user_id) VALUES (${research}, ${ann});
    INSERT INTO limits (subject, subject_id, metric, period, amount)
      VALUES ('group', ${research}, 'messages', 'day', 50);
    INSERT INTO limits (subject, subject_id, metric, period, shared, amount)
      VALUES ('group', ${research}, 'cost', 'month', true, 200000000);
    INSERT INTO limits (subject, subject_id, metric, period, amount)
      VALUES ('user', ${ann}, 'messages', 'week', ${WEEK});
    INSERT INTO limit_grants (user_id, metric, period, amount, note, expires_at)
      VALUES (${ann}, 'messages', 'day', 10, 'Demo day',
        (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC');
  `);
}
