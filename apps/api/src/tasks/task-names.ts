import {
  MEMBER_STATUSES,
  type MemberOption,
  type NameBook,
  lookupNames,
  memberOptions,
} from '@app/org';
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
 * A picker whose options are the members of the instance's unit (its subtree) with a status:
 * `valuesKey: "members:full"` (sponsors, contacts). Not a variable: the api resolves it.
 */
const MEMBERS_OF_STATUS = /^members:([a-z]+)$/;

/** Where a served form's member pickers take their members from. */
export interface MemberPickerContext {
  /** The instance's org unit (null: no unit, no members to offer). */
  readonly orgUnitId: string | null;
  /** FORM_MEMBER_OPTIONS_MAX: options one `members:<status>` picker is served with at most. */
  readonly maxOptions: number;
}

/** The lookup a picker names when its unit holds more members than it may offer. */
export const MEMBER_LOOKUP = '/api/members';

/**
 * The form as served to a person: a select / checklist / taglist whose options come from a
 * variable holding member ids (`valuesKey: "memberIds"`) gets those options as static
 * `values` labelled with the members' names, so the picker shows 张三, not a uuid (the value
 * stays the id). Members the directory does not know keep their id as the value and read
 * 未知人员. A picker declaring `valuesKey: "members:<status>"` (e.g. `members:full`) gets the
 * members of the instance unit's subtree with that status, by name, at most
 * `context.maxOptions`; a unit with more gets no values but `searchable` and
 * `properties.memberLookup` (`/api/members?orgUnitId=<unit>`: the client looks members up by
 * name). The registry's form is not changed; completion validates against it (a picker without
 * static values takes any id; the members the variables name are checked by the directory).
 */
export async function formWithMemberNames(
  manager: EntityManager,
  form: FormSchema,
  variables: Readonly<Record<string, unknown>>,
  context: MemberPickerContext = { orgUnitId: null, maxOptions: 0 },
): Promise<FormSchema> {
  const lists = new Map<string, string[]>();
  const statuses = new Set<string>();
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
      const status = typeof key === 'string' ? MEMBERS_OF_STATUS.exec(key)?.[1] : undefined;
      if (status !== undefined && (MEMBER_STATUSES as readonly string[]).includes(status)) {
        statuses.add(status);
      }
      if (component.components) collect(component.components);
    }
  };
  collect(form.components);
  if (lists.size === 0 && statuses.size === 0) return form;
  const [book, ...found] = await Promise.all([
    lookupNames(manager, { people: [...lists.values()].flat() }),
    ...[...statuses].map(async (status) => {
      const offered =
        context.orgUnitId === null
          ? { options: [], more: false }
          : await memberOptions(manager, context.orgUnitId, status, context.maxOptions);
      return [`members:${status}`, offered] as const;
    }),
  ]);
  const ofStatus = new Map<string, { options: MemberOption[]; more: boolean }>(found);
  const withoutValuesKey = (component: FormComponent): FormComponent => {
    const rest: Record<string, unknown> = { ...component };
    delete rest.valuesKey;
    return rest as FormComponent;
  };
  const rewrite = (components: readonly FormComponent[]): FormComponent[] =>
    components.map((component) => {
      const key = component.valuesKey;
      const ids = typeof key === 'string' ? lists.get(key) : undefined;
      const offered = typeof key === 'string' ? ofStatus.get(key) : undefined;
      let next: FormComponent = component;
      if (ids !== undefined) {
        next = {
          ...withoutValuesKey(component),
          values: [...new Set(ids)].map((id) => ({ value: id, label: book.label(id, null) })),
        };
      } else if (offered !== undefined && !offered.more) {
        next = { ...withoutValuesKey(component), values: offered.options };
      } else if (offered !== undefined) {
        const properties = component.properties;
        next = {
          ...withoutValuesKey(component),
          searchable: true,
          properties: {
            ...(typeof properties === 'object' && properties !== null ? properties : {}),
            memberLookup: `${MEMBER_LOOKUP}?orgUnitId=${encodeURIComponent(context.orgUnitId ?? '')}`,
          },
        };
      }
      return next.components ? { ...next, components: rewrite(next.components) } : next;
    });
  return { ...form, components: rewrite(form.components) };
}
