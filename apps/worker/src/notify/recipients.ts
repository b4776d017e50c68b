/** The people a task concerns, as the task row has them. */
export interface TaskParties {
  readonly assignee: string | null;
  readonly candidate_users: readonly string[];
  readonly candidate_groups: readonly string[];
}

/** Recipient of work nobody is named for: the supervisors route it. */
export const SUPERVISOR_GROUP = 'group:supervisor';

/** One user of the organisation (users.id), e.g. a supervisor found by OrgDirectory.holders. */
export function userRecipient(userId: string): string {
  return `user:${userId}`;
}

/** Everyone of a group, e.g. `group:members`. */
export function groupRecipient(name: string): string {
  return `group:${name}`;
}

/**
 * Who is reminded of an open task: its assignee; else its candidate users and each candidate
 * group (as `group:<name>`); else, when the task names nobody, the supervisors.
 */
export function reminderRecipients(task: TaskParties): string[] {
  if (task.assignee) return [task.assignee];
  const recipients = [...task.candidate_users, ...task.candidate_groups.map(groupRecipient)];
  return recipients.length > 0 ? recipients : [SUPERVISOR_GROUP];
}

/**
 * Who is told that a task is overdue (督办): the supervisors over the instance's org unit (as
 * `user:<id>`, found by OrgDirectory.holders); the supervisors' group when the instance has no
 * unit or nobody holds the role.
 */
export function escalationRecipients(
  _task: TaskParties,
  supervisorUserIds: readonly string[] = [],
): string[] {
  return supervisorUserIds.length > 0 ? supervisorUserIds.map(userRecipient) : [SUPERVISOR_GROUP];
}
