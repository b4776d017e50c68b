import { NameBook, UNKNOWN_PERSON, lookupNames } from '@app/org';
import { formatInstant } from '@app/time';
import type { EntityManager } from 'typeorm';

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

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const ID = /^(user:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The person ids a value names: an id, a list of ids, or records' `memberId` (sponsors). */
function idsIn(value: unknown): string[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items
    .map((item): unknown =>
      typeof item === 'object' && item !== null && !Array.isArray(item)
        ? (item as Record<string, unknown>).memberId
        : item,
    )
    .filter((id): id is string => typeof id === 'string' && ID.test(id));
}

/**
 * The person ids the `{name}` placeholders of `templates` would show (a variable holding a
 * member or user id, a list of them, or records with a `memberId`): look them up before
 * `fillTemplate`, so a person reads names.
 */
export function placeholderPeople(
  templates: readonly string[],
  variables: Readonly<Record<string, unknown>>,
): string[] {
  const ids = new Set<string>();
  for (const template of templates)
    for (const [, key] of template.matchAll(PLACEHOLDER))
      if (key !== undefined && Object.hasOwn(variables, key))
        for (const id of idsIn(variables[key])) ids.add(id);
  return [...ids];
}

/** A value that names people (an id, ids, records with `memberId`) by their names, else null. */
function namesOf(value: unknown, names: NameBook): string | null {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  if (items.length === 0 || idsIn(value).length !== items.length) return null;
  return idsIn(value)
    .map((id) => names.personName(id) ?? UNKNOWN_PERSON)
    .join('、');
}

/**
 * Replaces `{name}` with the variable's value: text as is, other values as JSON; a value naming
 * people (a member or user id, a list of them, records with `memberId` such as `sponsors`) by
 * their names from `names` (「张三、李四」; an id nobody has reads 未知人员, never the id).
 */
export function fillTemplate(
  template: string,
  variables: Readonly<Record<string, unknown>>,
  names: NameBook = NameBook.EMPTY,
): string {
  return template.replace(PLACEHOLDER, (whole, key: string) => {
    if (!(key in variables)) return whole;
    const value = variables[key];
    const people = namesOf(value, names);
    if (people !== null) return people;
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/**
 * `fillTemplate` of each template, the people its placeholders name looked up first (one
 * statement for all of them; none when no placeholder names anyone).
 */
export async function fillTemplatesByName(
  manager: EntityManager,
  templates: readonly string[],
  variables: Readonly<Record<string, unknown>>,
): Promise<string[]> {
  const names = await lookupNames(manager, { people: placeholderPeople(templates, variables) });
  return templates.map((template) => fillTemplate(template, variables, names));
}
