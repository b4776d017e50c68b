import type { EntityManager } from 'typeorm';

/**
 * Names, not ids, wherever a person reads: users, members and org units looked up in one
 * batch (one statement for a whole page, never one per row), and the words for roles and
 * groups. Ids stay for machines; everything here is for the text people read.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UNIT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** How a role (a candidate group, a `group:<name>` recipient) reads in Chinese. */
export const ROLE_LABELS: Readonly<Record<string, string>> = {
  secretary: '书记',
  supervisor: '上级党组织',
  member: '党员',
  members: '全体党员',
  integrator: '流程管理员',
  admin: '管理员',
};

/** What a person reads for someone the directory does not know (never the raw id). */
export const UNKNOWN_PERSON = '未知人员';
/** What a person reads for an org unit the directory does not know. */
export const UNKNOWN_UNIT = '未知单位';

/** The ids to name: person ids (a user or a member id; both are looked up) and unit ids. */
export interface NameRequest {
  readonly people?: Iterable<string | null | undefined>;
  readonly units?: Iterable<string | null | undefined>;
}

export type PersonKind = 'user' | 'member';

/** The names found by `lookupNames`; every accessor answers null for an unknown id. */
export class NameBook {
  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly members: ReadonlyMap<string, string>,
    private readonly units: ReadonlyMap<string, string>,
  ) {}

  static readonly EMPTY = new NameBook(new Map(), new Map(), new Map());

  /** A user's or member's name (`user:<id>` allowed), and which it is. */
  person(id: string | null | undefined): { name: string; kind: PersonKind } | null {
    if (!id) return null;
    const key = id.replace(/^user:/, '').toLowerCase();
    const user = this.users.get(key);
    if (user !== undefined) return { name: user, kind: 'user' };
    const member = this.members.get(key);
    if (member !== undefined) return { name: member, kind: 'member' };
    return null;
  }

  personName(id: string | null | undefined): string | null {
    return this.person(id)?.name ?? null;
  }

  unitName(id: string | null | undefined): string | null {
    return id ? (this.units.get(id) ?? null) : null;
  }

  /**
   * A group read as its role over a unit: 「研发中心党支部 书记」, 「研发中心党支部 全体党员」; the
   * role alone without a unit. An unknown role reads as itself (it is a template's word).
   */
  groupName(group: string, unitId: string | null | undefined): string {
    const role = group.replace(/^group:/, '');
    const label = ROLE_LABELS[role] ?? role;
    const unit = this.unitName(unitId);
    return unit === null ? label : `${unit} ${label}`;
  }

  /**
   * Whoever a text names — a person id, `user:<id>`, `group:<role>` or a bare role (a
   * candidate group) — as a person reads it; never an id.
   */
  label(who: string | null | undefined, unitId: string | null | undefined): string {
    if (!who) return '未指定';
    if (who.startsWith('group:')) return this.groupName(who, unitId);
    const person = this.personName(who);
    if (person !== null) return person;
    if (Object.hasOwn(ROLE_LABELS, who)) return this.groupName(who, unitId);
    if (who.startsWith('system:') || who === 'operator') return '系统';
    return UNKNOWN_PERSON;
  }
}

/**
 * Looks up the names of the people and units `request` holds in one statement (users, members
 * and units each by `= ANY`, so the cost follows the page). Text that is no id is skipped.
 */
export async function lookupNames(manager: EntityManager, request: NameRequest): Promise<NameBook> {
  const people = new Set<string>();
  for (const id of request.people ?? []) {
    const key = id?.replace(/^user:/, '');
    if (key && UUID.test(key)) people.add(key.toLowerCase());
  }
  const units = new Set<string>();
  for (const id of request.units ?? []) if (id && UNIT_ID.test(id)) units.add(id);
  if (people.size === 0 && units.size === 0) return NameBook.EMPTY;
  const rows = await manager.query<
    { kind: 'user' | 'member' | 'unit'; id: string; name: string }[]
  >(
    `SELECT 'user' AS kind, id::text AS id, name FROM users WHERE id = ANY($1::uuid[])
     UNION ALL
     SELECT 'member', id::text, name FROM members WHERE id = ANY($1::uuid[])
     UNION ALL
     SELECT 'unit', id, name FROM org_units WHERE id = ANY($2::text[])`,
    [[...people], [...units]],
  );
  const found = {
    user: new Map<string, string>(),
    member: new Map<string, string>(),
    unit: new Map<string, string>(),
  };
  for (const row of rows)
    found[row.kind].set(row.kind === 'unit' ? row.id : row.id.toLowerCase(), row.name);
  return new NameBook(found.user, found.member, found.unit);
}

/** One choice of a member picker: the member id as the value, the name as the label. */
export interface MemberOption {
  readonly value: string;
  readonly label: string;
}

/**
 * The members of a unit's subtree with a status (a form's member picker, e.g. sponsors: full
 * members), by name, at most `max`; `more` when the subtree holds more than that (then none are
 * given: the picker names the member lookup instead). One statement, `max + 1` rows at most.
 */
export async function memberOptions(
  manager: EntityManager,
  orgUnitId: string,
  status: string,
  max: number,
): Promise<{ options: MemberOption[]; more: boolean }> {
  const rows = await manager.query<{ id: string; name: string }[]>(
    `SELECT m.id::text AS id, m.name
       FROM members m JOIN org_units u ON u.id = m.org_unit_id
      WHERE starts_with(u.path, (SELECT path FROM org_units WHERE id = $1))
        AND m.status::text = $2
      ORDER BY m.name, m.id LIMIT $3`,
    [orgUnitId, status, max + 1],
  );
  if (rows.length > max) return { options: [], more: true };
  return { options: rows.map((row) => ({ value: row.id, label: row.name })), more: false };
}
