import type { MemberStatus } from './org.types.js';

/**
 * The process variables that name members, declared in one place. A process may act only on
 * members of its own org unit's subtree, so every member these variables name is checked
 * against the instance's unit: when an instance starts (its start variables), when a task is
 * completed or an incident resolved (the variables set), and again by every service-task
 * handler that writes a member (`member-status`).
 *
 * - `memberId`: one member id (the applicant, the member whose political birthday it is).
 * - `memberIds`, `attendance`: lists of member ids (the theme day's members, who attended).
 * - `sponsors`, `contacts`: lists of records whose `memberId` is a member id (入党介绍人,
 *   培养联系人).
 *
 * Only text is read as a member id: a number or a boolean names no member (a template may use
 * `attendance` for a head count), so it is not checked.
 */
export const MEMBER_REFERENCES: Readonly<Record<string, 'id' | 'ids' | 'records'>> = {
  memberId: 'id',
  memberIds: 'ids',
  attendance: 'ids',
  sponsors: 'records',
  contacts: 'records',
};

/**
 * The standing the members some declared variables name must have: sponsors (入党介绍人, step 9)
 * and contact persons (培养联系人, step 5) are full members (正式党员), as the 细则 requires —
 * checked against the member directory, not a checkbox of the form.
 */
export const MEMBER_REFERENCE_STATUS: Readonly<Record<string, MemberStatus>> = {
  sponsors: 'full',
  contacts: 'full',
};

/** The member ids one declared variable names, and the status they must have, if any. */
export interface MemberReference {
  readonly variable: string;
  readonly ids: readonly string[];
  readonly status?: MemberStatus;
}

/** The member ids the declared variables among `variables` name (variables not set are skipped). */
export function memberReferences(variables: Readonly<Record<string, unknown>>): MemberReference[] {
  const found: MemberReference[] = [];
  for (const [variable, shape] of Object.entries(MEMBER_REFERENCES)) {
    if (!Object.hasOwn(variables, variable)) continue;
    const value = variables[variable];
    const items: unknown[] = shape === 'id' ? [value] : Array.isArray(value) ? value : [value];
    const ids = items
      .map((item): unknown =>
        shape === 'records' && typeof item === 'object' && item !== null && !Array.isArray(item)
          ? (item as Record<string, unknown>).memberId
          : item,
      )
      .filter((id): id is string => typeof id === 'string');
    if (ids.length === 0) continue;
    const status = MEMBER_REFERENCE_STATUS[variable];
    found.push({ variable, ids: [...new Set(ids)], ...(status ? { status } : {}) });
  }
  return found;
}
