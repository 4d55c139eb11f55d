/**
 * The optional filters of the usage report and export (API.md "Limits"):
 * one group's members, one model's usage. Each takes the next parameter
 * number from `param` (which pushes the value and answers `$n`).
 */
export type Param = (value: unknown) => string;

/** A parameter list that grows as the filters ask: `p(value)` answers its `$n`. */
export function params(initial: unknown[] = []): {
  values: unknown[];
  p: Param;
} {
  const values = [...initial];
  return {
    values,
    p: (value) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/**
 * The settled usage rows (user_id, day, messages, tokens, cost): the
 * ledger over all models (`usage_daily`), or one model's part of it.
 */
export function usageRows(model: string | undefined, p: Param): string {
  if (model === undefined) return 'usage_daily';
  return `(SELECT user_id, day, messages, prompt_tokens + completion_tokens AS tokens, cost
           FROM usage_daily_models WHERE model = ${p(model)}::varchar)`;
}

/** `AND` the user aliased `u` (a column holding a user id) is a member of the group, or nothing. */
export function memberOf(
  groupId: string | undefined,
  userColumn: string,
  p: Param,
): string {
  if (groupId === undefined) return '';
  return ` AND EXISTS (SELECT 1 FROM group_members gm
             WHERE gm.user_id = ${userColumn} AND gm.group_id = ${p(groupId)}::uuid)`;
}
