import { type NameBook, lookupNames } from '@app/org';
import type { EntityManager } from 'typeorm';
import type { TaskCandidateDto } from './dto/task.dto.js';
import type { FormComponent, FormSchema } from './forms/form-schema.js';

/** The parts of a task row its names come from. */
export interface NamedTaskRow {
  readonly assignee: string | null;
  readonly candidate_groups: readonly string[];
  readonly candidate_users: readonly string[];
  readonly claimed_by: string | null;
  readonly completed_by: string | null;
  readonly org_unit_id: string | null;
}

/** The names of every person and unit a page of tasks names: one statement for the page. */
export function taskNameBook(
  manager: EntityManager,
  rows: readonly NamedTaskRow[],
): Promise<NameBook> {
  return lookupNames(manager, {
    people: rows.flatMap((row) => [
      row.assignee,
      row.claimed_by,
      row.completed_by,
      ...row.candidate_users,
    ]),
    units: rows.map((row) => row.org_unit_id),
  });
}

/** What a person reads of a task's people and unit (the ids stay in their own fields). */
export function taskNames(
  row: NamedTaskRow,
  book: NameBook,
): {
  assigneeName: string | null;
  candidates: TaskCandidateDto[];
  orgUnitName: string | null;
  claimedByName: string | null;
  completedByName: string | null;
} {
  const person = (id: string | null) => (id === null ? null : book.label(id, row.org_unit_id));
  return {
    assigneeName: person(row.assignee),
    candidates: [
      ...row.candidate_users.map((id) => ({
        id,
        name: book.label(id, row.org_unit_id),
        kind: book.person(id)?.kind ?? ('user' as const),
      })),
      ...row.candidate_groups.map((group) => ({
        id: group,
        name: book.groupName(group, row.org_unit_id),
        kind: 'group' as const,
      })),
    ],
    orgUnitName: book.unitName(row.org_unit_id),
    claimedByName: person(row.claimed_by),
    completedByName: person(row.completed_by),
  };
}

/** Root variables that hold a list of member ids a form may offer as options. */
const MEMBER_LISTS = new Set(['memberIds', 'attendance']);

/**
 * The form as served to a person: a select / checklist / taglist whose options come from a
 * variable holding member ids (`valuesKey: "memberIds"`) gets those options as static
 * `values` labelled with the members' names, so the picker shows 张三, not a uuid (the value
 * stays the id). Members the directory does not know keep their id as the value and read
 * 未知人员. The registry's form is not changed.
 */
export async function formWithMemberNames(
  manager: EntityManager,
  form: FormSchema,
  variables: Readonly<Record<string, unknown>>,
): Promise<FormSchema> {
  const lists = new Map<string, string[]>();
  const collect = (components: readonly FormComponent[]) => {
    for (const component of components) {
      const key = component.valuesKey;
      if (typeof key === 'string' && MEMBER_LISTS.has(key)) {
        const value = variables[key];
        lists.set(
          key,
          Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [],
        );
      }
      if (component.components) collect(component.components);
    }
  };
  collect(form.components);
  if (lists.size === 0) return form;
  const book = await lookupNames(manager, { people: [...lists.values()].flat() });
  const rewrite = (components: readonly FormComponent[]): FormComponent[] =>
    components.map((component) => {
      const key = component.valuesKey;
      const ids = typeof key === 'string' ? lists.get(key) : undefined;
      let next: FormComponent = component;
      if (ids !== undefined) {
        const rest: Record<string, unknown> = { ...component };
        delete rest.valuesKey;
        next = {
          ...(rest as FormComponent),
          values: [...new Set(ids)].map((id) => ({ value: id, label: book.label(id, null) })),
        };
      }
      return next.components ? { ...next, components: rewrite(next.components) } : next;
    });
  return { ...form, components: rewrite(form.components) };
}
