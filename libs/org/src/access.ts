import type { Principal, Role } from './org.types.js';

/**
 * Who may see and do what, decided from a principal's role grants and org unit paths only
 * (no I/O). A grant covers its own unit and the whole subtree below it.
 *
 * - `supervisor` reads everything in its subtree and verifies / closes ledger items there.
 * - `secretary` reads and acts on its own unit (its branch and the branch's groups).
 * - `member` reads and acts on what is assigned to it (or offered to the `member` group).
 * - `integrator` deploys templates; it reads no instance data by that role.
 */
export function covers(grantPath: string, unitPath: string | null): boolean {
  return unitPath !== null && unitPath.startsWith(grantPath);
}

export function hasRole(principal: Principal, role: Role): boolean {
  return principal.grants.some((grant) => grant.role === role);
}

/** The grant paths of the given roles: the subtrees a query may be limited to. */
export function scopePaths(principal: Principal, roles: readonly Role[]): string[] {
  return [
    ...new Set(
      principal.grants.filter((grant) => roles.includes(grant.role)).map((grant) => grant.path),
    ),
  ];
}

/** Roles that read a whole unit's instances, tasks and ledger. */
export const UNIT_READERS: readonly Role[] = ['secretary', 'supervisor'];

/** May read the instances, tasks and ledger items of the unit at `unitPath`. */
export function canReadUnit(principal: Principal, unitPath: string | null): boolean {
  return principal.grants.some(
    (grant) => UNIT_READERS.includes(grant.role) && covers(grant.path, unitPath),
  );
}

/** Holds `role` on the unit at `unitPath` or above it. */
export function hasRoleOver(principal: Principal, role: Role, unitPath: string | null): boolean {
  return principal.grants.some((grant) => grant.role === role && covers(grant.path, unitPath));
}

export interface AssignableTask {
  readonly assignee: string | null;
  readonly candidateGroups: readonly string[];
  readonly candidateUsers: readonly string[];
}

/** The ids an assignee field may name for this principal: the user, or the member they are. */
export function identities(principal: Principal): string[] {
  return principal.memberId ? [principal.userId, principal.memberId] : [principal.userId];
}

/**
 * May claim or complete the task of an instance in the unit at `unitPath`: its assignee (user
 * or member id), a candidate user, or — when nobody is assigned — a holder of one of its
 * candidate groups, read as roles over the instance's unit (`secretary` = that branch's
 * secretary, `supervisor` = a supervisor above it). A task that names nobody at all falls to
 * the unit's secretary (or a supervisor over it). A group `<role>@approving` is that role held
 * over `approvalPath`, the path of the nearest unit at or above the instance's unit holding
 * approval authority (OrgDirectory.approvalPath; null: none, so nobody holds the group). The
 * unit's secretary may also act for a
 * member a task is assigned to (reflections, applications handed in on paper); the audit
 * trail records who did.
 */
export function canActOnTask(
  principal: Principal,
  task: AssignableTask,
  unitPath: string | null,
  approvalPath: string | null = null,
): boolean {
  const ids = identities(principal);
  if (task.assignee !== null) {
    return ids.includes(task.assignee) || hasRoleOver(principal, 'secretary', unitPath);
  }
  if (task.candidateUsers.some((user) => ids.includes(user))) return true;
  if (task.candidateUsers.length === 0 && task.candidateGroups.length === 0) {
    return canReadUnit(principal, unitPath);
  }
  return task.candidateGroups.some((group) => {
    if (isRole(group)) return hasRoleOver(principal, group, unitPath);
    const role = approvingRole(group);
    return role !== null && approvalPath !== null && hasRoleOver(principal, role, approvalPath);
  });
}

/** The suffix of a candidate group held at the nearest unit with approval authority. */
export const APPROVING_SUFFIX = '@approving';

/**
 * The role of a candidate group `<role>@approving` (e.g. `supervisor@approving`: a supervisor
 * of the nearest unit at or above the instance's unit that approves admissions — a 基层党委, or
 * a 党总支 granted the authority), else null.
 */
export function approvingRole(group: string): Role | null {
  if (!group.endsWith(APPROVING_SUFFIX)) return null;
  const role = group.slice(0, -APPROVING_SUFFIX.length);
  return isRole(role) ? role : null;
}

/** Whether deciding who may act on the task needs the unit's approval path (canActOnTask). */
export function needsApprovalPath(task: AssignableTask): boolean {
  return (
    task.assignee === null && task.candidateGroups.some((group) => approvingRole(group) !== null)
  );
}

function isRole(value: string): value is Role {
  return (
    value === 'secretary' || value === 'member' || value === 'supervisor' || value === 'integrator'
  );
}
