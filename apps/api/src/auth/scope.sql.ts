import { type Principal, type Role, identities, likePrefix, scopePaths } from '@app/org';

/**
 * SQL conditions that limit a query to what a principal may see. Each appends its parameters
 * to `params` and refers to them by position; `unitPath` is the SQL expression of the row's
 * org unit path (e.g. `o.path`, NULL for rows without a unit).
 */
export function unitScopeSql(
  principal: Principal,
  roles: readonly Role[],
  unitPath: string,
  params: unknown[],
): string {
  const patterns = scopePaths(principal, roles).map(likePrefix);
  if (patterns.length === 0) return 'FALSE';
  params.push(patterns);
  return `${unitPath} LIKE ANY($${params.length}::text[])`;
}

/**
 * The tasks a principal sees: every task of the units it reads (secretary, supervisor), and
 * wherever they are, the tasks assigned or offered to it — by id, or through the `member`
 * group of its own unit.
 */
export function taskScopeSql(
  principal: Principal,
  alias: { task: string; unitPath: string },
  params: unknown[],
): string {
  const read = unitScopeSql(principal, ['secretary', 'supervisor'], alias.unitPath, params);
  params.push(identities(principal));
  const ids = `$${params.length}::text[]`;
  const member = unitScopeSql(principal, ['member'], alias.unitPath, params);
  const t = alias.task;
  return `(${read} OR ${t}.assignee = ANY(${ids}) OR ${t}.candidate_users && ${ids}
    OR ('member' = ANY(${t}.candidate_groups) AND ${t}.assignee IS NULL AND ${member}))`;
}
