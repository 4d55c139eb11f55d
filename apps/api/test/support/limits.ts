import type {
  LimitMetric,
  LimitSubject,
  LimitWindow,
} from '@tally/api-contract';
import type { TestApp } from './test-app';

export interface NewLimit {
  subject: LimitSubject;
  subject_id?: string | null;
  metric: LimitMetric;
  window: LimitWindow;
  model?: string | null;
  shared?: boolean;
  amount: number;
}

/**
 * A limit row, written straight into the table the limits are read from,
 * so the admission specs do not depend on the admin pages' API.
 */
export async function addLimit(t: TestApp, l: NewLimit): Promise<string> {
  const [{ id }] = await t.query<{ id: string }>(
    `INSERT INTO limits (subject, subject_id, metric, period, model, shared, amount)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      l.subject,
      l.subject_id ?? null,
      l.metric,
      l.window,
      l.model ?? null,
      l.shared ?? false,
      l.amount,
    ],
  );
  return id;
}

/** A group with these members. */
export async function addGroup(
  t: TestApp,
  name: string,
  members: string[],
): Promise<string> {
  const [{ id }] = await t.query<{ id: string }>(
    `INSERT INTO user_groups (name) VALUES ($1) RETURNING id`,
    [name],
  );
  for (const user of members)
    await t.query(
      `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)`,
      [id, user],
    );
  return id;
}
