import { NameBook } from '@app/org';
import { formatInstant } from '@app/time';

export interface Message {
  readonly title: string;
  readonly body: string;
}

interface TaskText {
  readonly name: string | null;
  readonly element_id: string;
  readonly due_at: Date | null;
}

/** `2026-03-02 09:00` in the given zone. */
export function formatMinute(at: number, zone: string): string {
  const text = formatInstant(at, zone);
  return `${text.slice(0, 10)} ${text.slice(11, 16)}`;
}

function taskName(task: TaskText): string {
  return task.name ?? task.element_id;
}

/** A reminder before (or, when delivered late, after) a task's due date. */
export function reminderMessage(task: TaskText, now: number, zone: string): Message {
  const name = taskName(task);
  if (task.due_at === null) return { title: `待办提醒：${name}`, body: `「${name}」待办理。` };
  const due = formatMinute(task.due_at.getTime(), zone);
  return {
    title: `待办提醒：${name}`,
    body:
      task.due_at.getTime() > now
        ? `「${name}」将于 ${due} 到期，请及时办理。`
        : `「${name}」已于 ${due} 到期，请尽快办理。`,
  };
}

/** Who a task is for, as a person reads it: the assignee's name, else its candidates by name. */
export function ownerText(
  task: {
    readonly assignee: string | null;
    readonly candidate_users?: readonly string[];
    readonly candidate_groups: readonly string[];
  },
  names: NameBook,
  unitId: string | null,
): string {
  if (task.assignee) return names.label(task.assignee, unitId);
  const candidates = [
    ...(task.candidate_users ?? []).map((id) => names.label(id, unitId)),
    ...task.candidate_groups.map((group) => names.groupName(group, unitId)),
  ];
  return candidates.join('、') || '未指定';
}

/**
 * The n-th escalation (督办) of an overdue task; `names` holds the people and the unit it names
 * (a person reads names, never an id or `group:`).
 */
export function escalationMessage(
  task: TaskText & {
    readonly assignee: string | null;
    readonly candidate_users?: readonly string[];
    readonly candidate_groups: string[];
    readonly org_unit_id?: string | null;
  },
  escalations: number,
  zone: string,
  names: NameBook = NameBook.EMPTY,
): Message {
  const name = taskName(task);
  const due = task.due_at === null ? '' : `（截止 ${formatMinute(task.due_at.getTime(), zone)}）`;
  const owner = ownerText(task, names, task.org_unit_id ?? null);
  return {
    title: `督办：${name}`,
    body: `「${name}」已逾期${due}，第 ${escalations} 次督办。责任人：${owner}。`,
  };
}

/** Replaces `{name}` with the variable's value (text as is, other values as JSON). */
export function fillTemplate(
  template: string,
  variables: Readonly<Record<string, unknown>>,
): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, key: string) => {
    if (!(key in variables)) return whole;
    const value = variables[key];
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}
