import { likePrefix } from '@app/org';

/**
 * What a caller may see of a table with an org unit: the unit paths of its grants (each with the
 * subtree below it), computed by the api from its principal. Empty: nothing.
 */
export type UnitScope = readonly string[];

/**
 * The tasks a caller sees: every task of the units under `readPaths` (secretary, supervisor),
 * and wherever they are, the tasks assigned or offered to one of its `identities` (user or
 * member id) — by id, or through the `member` group of a unit under `memberPaths`.
 */
export interface TaskScope {
  readonly readPaths: UnitScope;
  readonly identities: readonly string[];
  readonly memberPaths: UnitScope;
}

/**
 * `<unitPath> LIKE ANY(<the scope's prefixes>)`, or FALSE for an empty scope; appends its
 * parameter to `params` (the api's `unitScopeSql`, with the paths already chosen).
 */
export function unitScopeCondition(scope: UnitScope, unitPath: string, params: unknown[]): string {
  const patterns = [...new Set(scope)].map(likePrefix);
  if (patterns.length === 0) return 'FALSE';
  params.push(patterns);
  return `${unitPath} LIKE ANY($${params.length}::text[])`;
}

/** The condition of a TaskScope over the task alias and unit path given (the api's `taskScopeSql`). */
export function taskScopeCondition(
  scope: TaskScope,
  alias: { task: string; unitPath: string },
  params: unknown[],
): string {
  const read = unitScopeCondition(scope.readPaths, alias.unitPath, params);
  params.push([...scope.identities]);
  const ids = `$${params.length}::text[]`;
  const member = unitScopeCondition(scope.memberPaths, alias.unitPath, params);
  const t = alias.task;
  return `(${read} OR ${t}.assignee = ANY(${ids}) OR ${t}.candidate_users && ${ids}
    OR ('member' = ANY(${t}.candidate_groups) AND ${t}.assignee IS NULL AND ${member}))`;
}
