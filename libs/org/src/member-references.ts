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

/** The member ids one declared variable names. */
export interface MemberReference {
  readonly variable: string;
  readonly ids: readonly string[];
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
    if (ids.length > 0) found.push({ variable, ids: [...new Set(ids)] });
  }
  return found;
}
