import { type Principal, type Role, identities, scopePaths } from '@app/org';
import { type TaskScope, taskScopeCondition, unitScopeCondition } from '@app/store';

/**
 * SQL conditions that limit a query to what a principal may see: the principal's grants turned
 * into the scopes of libs/store/src/scope.sql.ts (one copy of the SQL, used by the api's
 * services and by the repositories). Each appends its parameters to `params` and refers to
 * them by position; `unitPath` is the SQL expression of the row's org unit path (e.g.
 * `o.path`, NULL for rows without a unit).
 */
export function unitScopeSql(
  principal: Principal,
  roles: readonly Role[],
  unitPath: string,
  params: unknown[],
): string {
  return unitScopeCondition(scopePaths(principal, roles), unitPath, params);
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
  return taskScopeCondition(taskScope(principal), alias, params);
}

/** The TaskScope of a principal (see taskScopeSql), for the repositories that take one. */
export function taskScope(principal: Principal): TaskScope {
  return {
    readPaths: scopePaths(principal, ['secretary', 'supervisor']),
    identities: identities(principal),
    memberPaths: scopePaths(principal, ['member']),
  };
}
