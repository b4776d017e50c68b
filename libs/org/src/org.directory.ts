import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import type { DataSource, EntityManager } from 'typeorm';
import { memberReferences } from './member-references.js';
import { OrgException, OrgExceptionCode } from './org.exception.js';
import {
  MEMBER_STATUSES,
  type Member,
  type MemberStatus,
  ORG_UNIT_KINDS,
  type OrgUnit,
  type OrgUnitKind,
  type Principal,
  ROLES,
  type Role,
} from './org.types.js';
import { TOKEN_PREFIX, generateToken, hashToken } from './tokens.js';

interface UnitRow {
  id: string;
  parent_id: string | null;
  kind: OrgUnitKind;
  name: string;
  path: string;
}

interface MemberRow {
  id: string;
  org_unit_id: string;
  name: string;
  status: MemberStatus;
  birth_date: string | null;
  admission_date: string | null;
}

export interface NewUnit {
  readonly id: string;
  readonly parentId: string | null;
  readonly kind: OrgUnitKind;
  readonly name: string;
}

export interface NewMember {
  readonly orgUnitId: string;
  readonly name: string;
  readonly status: MemberStatus;
  readonly birthDate?: string | null;
  readonly admissionDate?: string | null;
}

export interface NewUser {
  readonly name: string;
  readonly memberId?: string | null;
  readonly grants: readonly { readonly role: Role; readonly orgUnitId: string }[];
  /** What the token is for (shown in listings; never the token). */
  readonly tokenLabel?: string;
  /**
   * The token's value, for well-known development tokens (the sample organisation); by default
   * a random one. Must start with TOKEN_PREFIX and be at least 16 characters.
   */
  readonly token?: string;
}

const UNIT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Actor recorded for changes made by the organisation's own maintenance (seed, CLI). */
export const OPERATOR_ACTOR = 'operator';

/**
 * The organisation in PostgreSQL: units (a tree kept as materialised paths), members, users,
 * role grants and API tokens. Changes are audited in the system stream. Pass an
 * EntityManager to take part in the caller's transaction.
 */
export class OrgDirectory {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: { now(): number },
  ) {}

  async unit(id: string, manager: EntityManager = this.dataSource.manager): Promise<OrgUnit> {
    const [row] = await manager.query<UnitRow[]>(
      `SELECT id, parent_id, kind, name, path FROM org_units WHERE id = $1`,
      [id],
    );
    if (!row) throw new OrgException(OrgExceptionCode.UNIT_NOT_FOUND, `no org unit '${id}'`);
    return toUnit(row);
  }

  async findUnit(
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<OrgUnit | null> {
    const [row] = await manager.query<UnitRow[]>(
      `SELECT id, parent_id, kind, name, path FROM org_units WHERE id = $1`,
      [id],
    );
    return row ? toUnit(row) : null;
  }

  /**
   * The path of the nearest unit at or above `unitId` that holds the authority to approve
   * admissions (`approves_admissions`, by default a committee's), or null when there is none
   * (or no such unit). Candidate groups `<role>@approving` are held there (canActOnTask).
   */
  async approvalPath(
    unitId: string | null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string | null> {
    if (unitId === null) return null;
    const [row] = await manager.query<{ path: string }[]>(
      `SELECT a.path FROM org_units u JOIN org_units a ON starts_with(u.path, a.path)
        WHERE u.id = $1 AND coalesce(a.approves_admissions, a.kind = 'committee')
        ORDER BY length(a.path) DESC LIMIT 1`,
      [unitId],
    );
    return row?.path ?? null;
  }

  /** Grants or withdraws a unit's authority to approve admissions (null: as its kind says). */
  async setApprovesAdmissions(
    unitId: string,
    approves: boolean | null,
    actor: string,
    manager?: EntityManager,
  ): Promise<void> {
    await this.within(manager, async (tx) => {
      const [rows] = await tx.query<[unknown[], number]>(
        `UPDATE org_units SET approves_admissions = $2 WHERE id = $1 RETURNING id`,
        [unitId, approves],
      );
      if (rows.length === 0) {
        throw new OrgException(OrgExceptionCode.UNIT_NOT_FOUND, `no org unit '${unitId}'`);
      }
      await this.audit(tx, 'org.unit.approval', { unitId, approvesAdmissions: approves }, actor);
    });
  }

  /** The unit and everything below it, parents before children. */
  async subtree(id: string): Promise<OrgUnit[]> {
    const root = await this.unit(id);
    const rows = await this.dataSource.query<UnitRow[]>(
      `SELECT id, parent_id, kind, name, path FROM org_units WHERE path LIKE $1 ORDER BY path`,
      [likePrefix(root.path)],
    );
    return rows.map(toUnit);
  }

  /**
   * The branches (kind `branch`) of the subtree at `path`, the root among them if it is one, by
   * path: at most `limit`. A range scan of org_units_path_idx (paths end in '/', and '0' comes
   * right after '/').
   */
  async branchesUnder(path: string, limit: number): Promise<OrgUnit[]> {
    const rows = await this.dataSource.query<UnitRow[]>(
      `SELECT id, parent_id, kind, name, path FROM org_units
        WHERE path ~>=~ $1 AND path ~<~ (left($1, -1) || '0') AND kind = 'branch'
        ORDER BY path LIMIT $2`,
      [path, limit],
    );
    return rows.map(toUnit);
  }

  /** Every unit of a kind (e.g. all branches), by path. */
  async unitsOfKind(kind: OrgUnitKind): Promise<OrgUnit[]> {
    const rows = await this.dataSource.query<UnitRow[]>(
      `SELECT id, parent_id, kind, name, path FROM org_units WHERE kind = $1 ORDER BY path`,
      [kind],
    );
    return rows.map(toUnit);
  }

  async createUnit(input: NewUnit, manager?: EntityManager): Promise<OrgUnit> {
    if (!UNIT_ID.test(input.id)) {
      throw new OrgException(
        OrgExceptionCode.INVALID_UNIT,
        `org unit id '${input.id}' must be lower-case letters, digits and '-', at most 63 characters`,
      );
    }
    if (!ORG_UNIT_KINDS.includes(input.kind)) {
      throw new OrgException(
        OrgExceptionCode.INVALID_UNIT,
        `org unit kind '${input.kind}' is not one of ${ORG_UNIT_KINDS.join(', ')}`,
      );
    }
    return this.within(manager, async (tx) => {
      let path = `/${input.id}/`;
      if (input.parentId === null) {
        if (input.kind !== 'committee') {
          throw new OrgException(
            OrgExceptionCode.INVALID_UNIT,
            `org unit '${input.id}': only a committee may be a root (it is a ${input.kind})`,
          );
        }
      } else {
        const parent = await this.unit(input.parentId, tx);
        if (
          depth(input.kind) < depth(parent.kind) ||
          (input.kind !== 'committee' && depth(input.kind) === depth(parent.kind))
        ) {
          throw new OrgException(
            OrgExceptionCode.INVALID_UNIT,
            `org unit '${input.id}': a ${input.kind} cannot sit under a ${parent.kind} ('${parent.id}')`,
          );
        }
        path = `${parent.path}${input.id}/`;
      }
      const inserted = await tx.query<UnitRow[]>(
        `INSERT INTO org_units (id, parent_id, kind, name, path) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING RETURNING id, parent_id, kind, name, path`,
        [input.id, input.parentId, input.kind, input.name, path],
      );
      const row = inserted[0];
      if (!row) {
        throw new OrgException(
          OrgExceptionCode.UNIT_EXISTS,
          `org unit '${input.id}' already exists`,
        );
      }
      await this.audit(tx, 'org.unit.created', { ...input, path });
      return toUnit(row);
    });
  }

  async createMember(input: NewMember, manager?: EntityManager): Promise<Member> {
    checkStatus(input.status);
    for (const [field, value] of [
      ['birthDate', input.birthDate],
      ['admissionDate', input.admissionDate],
    ] as const) {
      if (value != null && !ISO_DATE.test(value)) {
        throw new OrgException(
          OrgExceptionCode.INVALID_STATUS,
          `member '${input.name}': ${field} '${value}' is not an ISO date (YYYY-MM-DD)`,
        );
      }
    }
    return this.within(manager, async (tx) => {
      await this.unit(input.orgUnitId, tx);
      const [row] = await tx.query<MemberRow[]>(
        `INSERT INTO members (org_unit_id, name, status, birth_date, admission_date)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING id, org_unit_id, name, status, birth_date::text, admission_date::text`,
        [
          input.orgUnitId,
          input.name,
          input.status,
          input.birthDate ?? null,
          input.admissionDate ?? null,
        ],
      );
      const member = toMember(row);
      await this.audit(tx, 'org.member.created', { ...member });
      return member;
    });
  }

  async member(id: string): Promise<Member> {
    const [row] = await this.dataSource.query<MemberRow[]>(
      `SELECT id, org_unit_id, name, status, birth_date::text, admission_date::text FROM members WHERE id = $1`,
      [id],
    );
    if (!row) throw new OrgException(OrgExceptionCode.MEMBER_NOT_FOUND, `no member '${id}'`);
    return toMember(row);
  }

  /** Members of a unit and its subtree, optionally only those with one of `statuses`. */
  async members(
    unitId: string,
    options: { statuses?: readonly MemberStatus[] } = {},
  ): Promise<Member[]> {
    const unit = await this.unit(unitId);
    const rows = await this.dataSource.query<MemberRow[]>(
      `SELECT m.id, m.org_unit_id, m.name, m.status, m.birth_date::text, m.admission_date::text
         FROM members m JOIN org_units u ON u.id = m.org_unit_id
        WHERE u.path LIKE $1 AND ($2::member_status[] IS NULL OR m.status = ANY($2))
        ORDER BY m.name, m.id`,
      [likePrefix(unit.path), options.statuses ?? null],
    );
    return rows.map(toMember);
  }

  /**
   * Of `ids`, those that are not members of the unit `orgUnitId` or its subtree — unknown ids,
   * text that is no member id and members elsewhere alike (out of scope is absent). With no
   * unit (null, or a unit that does not exist), every id.
   */
  async membersOutside(
    orgUnitId: string | null,
    ids: readonly string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string[]> {
    const candidates = ids.filter((id) => UUID.test(id));
    const inside = new Set<string>();
    if (orgUnitId !== null && candidates.length > 0) {
      const rows = await manager.query<{ id: string }[]>(
        `SELECT m.id::text AS id
           FROM members m
           JOIN org_units u ON u.id = m.org_unit_id
           JOIN org_units s ON s.id = $1
          WHERE m.id = ANY($2::uuid[])
            AND left(u.path, length(s.path)) = s.path`,
        [orgUnitId, candidates],
      );
      for (const row of rows) inside.add(row.id.toLowerCase());
    }
    return ids.filter((id) => !inside.has(id.toLowerCase()));
  }

  /**
   * Of the notice recipients `recipients` of an instance of the unit `orgUnitId`, those it may
   * not reach (out of scope is absent: a process cannot notify someone its unit does not hold).
   * A group (`group:<name>`) is always in scope: the inbox shows it only to holders of the
   * role over the instance's unit. A member id (or `user:<member id>`) must be a member of the
   * unit's subtree; a user id (or `user:<user id>`) an enabled user whose member is there, or who
   * holds a role on the unit, above it or in its subtree. Anything else (unknown ids, text that
   * is no id) is outside.
   */
  async recipientsOutside(
    orgUnitId: string | null,
    recipients: readonly string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string[]> {
    const id = (recipient: string) => recipient.replace(/^user:/, '');
    const candidates = [
      ...new Set(recipients.filter((r) => !r.startsWith('group:')).map(id)),
    ].filter((candidate) => UUID.test(candidate));
    const inside = new Set<string>();
    if (orgUnitId !== null && candidates.length > 0) {
      const rows = await manager.query<{ id: string }[]>(
        `WITH s AS (SELECT path FROM org_units WHERE id = $1)
         SELECT c.id::text AS id FROM unnest($2::uuid[]) AS c(id), s
          WHERE EXISTS (SELECT 1 FROM members m JOIN org_units u ON u.id = m.org_unit_id
                         WHERE m.id = c.id AND starts_with(u.path, s.path))
             OR EXISTS (SELECT 1 FROM users us
                          LEFT JOIN members m ON m.id = us.member_id
                          LEFT JOIN org_units mu ON mu.id = m.org_unit_id
                         WHERE us.id = c.id AND us.disabled_at IS NULL
                           AND (starts_with(mu.path, s.path) OR EXISTS (
                                 SELECT 1 FROM user_roles r JOIN org_units o ON o.id = r.org_unit_id
                                  WHERE r.user_id = us.id
                                    AND (starts_with(s.path, o.path) OR starts_with(o.path, s.path)))))`,
        [orgUnitId, candidates],
      );
      for (const row of rows) inside.add(row.id.toLowerCase());
    }
    return recipients.filter(
      (recipient) => !recipient.startsWith('group:') && !inside.has(id(recipient).toLowerCase()),
    );
  }

  /**
   * What is wrong with the members the declared member variables (MEMBER_REFERENCES) among
   * `variables` name, for an instance of the unit `orgUnitId`: one problem per variable naming a
   * member outside the unit's subtree (or none at all), in the same words for both; and one per
   * variable naming members of the subtree without the status it requires
   * (MEMBER_REFERENCE_STATUS: sponsors and contacts are full members), each named by name.
   */
  async memberReferenceProblems(
    orgUnitId: string | null,
    variables: Readonly<Record<string, unknown>>,
    manager?: EntityManager,
  ): Promise<{ field: string; message: string }[]> {
    const references = memberReferences(variables);
    if (references.length === 0) return [];
    const outside = new Set(
      await this.membersOutside(
        orgUnitId,
        references.flatMap((reference) => reference.ids),
        manager,
      ),
    );
    const absent = references
      .map((reference) => ({
        variable: reference.variable,
        bad: reference.ids.filter((id) => outside.has(id)),
      }))
      .filter((reference) => reference.bad.length > 0)
      .map((reference) => ({
        field: reference.variable,
        message: `names no member of ${orgUnitId === null ? 'the instance (it has no org unit)' : `org unit '${orgUnitId}'`}: ${listed(
          reference.bad.map((id) => `'${id.slice(0, 64)}'`),
        )}`,
      }));
    // Of the members found, those without the standing their variable requires (sponsors and
    // contacts are full members), named by name
    const ranked = references.filter(
      (reference) => reference.status !== undefined && reference.ids.some((id) => !outside.has(id)),
    );
    if (ranked.length === 0) return absent;
    const rows = await (manager ?? this.dataSource.manager).query<
      { id: string; name: string; status: MemberStatus }[]
    >(`SELECT id::text AS id, name, status FROM members WHERE id = ANY($1::uuid[])`, [
      [...new Set(ranked.flatMap((reference) => reference.ids.filter((id) => !outside.has(id))))],
    ]);
    const found = new Map(rows.map((row) => [row.id.toLowerCase(), row]));
    const unranked = ranked
      .map((reference) => ({
        variable: reference.variable,
        status: reference.status,
        bad: reference.ids
          .map((id) => found.get(id.toLowerCase()))
          .filter((row) => row !== undefined && row.status !== reference.status),
      }))
      .filter((reference) => reference.bad.length > 0)
      .map((reference) => ({
        field: reference.variable,
        message: `must name ${reference.status} members only: ${listed(
          reference.bad.map((row) => `${row!.name} ('${row!.id}') is ${row!.status}`),
        )}`,
      }));
    return [...absent, ...unranked];
  }

  /**
   * Sets a member's status; setting the status it already has changes nothing and returns
   * false (a service task that runs twice has one effect). Audited. With `within` (an org unit
   * id), only a member of that unit's subtree is found: any other is MEMBER_NOT_FOUND, as an
   * unknown one is.
   */
  async setMemberStatus(
    memberId: string,
    status: MemberStatus,
    actor: string,
    at: number,
    manager?: EntityManager,
    options: { within?: string | null } = {},
  ): Promise<boolean> {
    checkStatus(status);
    return this.within(manager, async (tx) => {
      const scoped = options.within !== undefined;
      const [row] = await tx.query<{ status: MemberStatus }[]>(
        scoped
          ? `SELECT m.status FROM members m
               JOIN org_units u ON u.id = m.org_unit_id
               JOIN org_units s ON s.id = $2
              WHERE m.id = $1 AND left(u.path, length(s.path)) = s.path
                FOR UPDATE OF m`
          : `SELECT status FROM members WHERE id = $1 FOR UPDATE`,
        scoped ? [memberId, options.within] : [memberId],
      );
      if (!row) {
        throw new OrgException(
          OrgExceptionCode.MEMBER_NOT_FOUND,
          scoped
            ? `no member '${memberId}' in ${options.within === null ? 'the instance (it has no org unit)' : `org unit '${options.within}'`}`
            : `no member '${memberId}'`,
        );
      }
      if (row.status === status) return false;
      // A new version, as an admin's change makes: an admin's edit or status change read
      // before this one is then stale (409), not a silent overwrite of the process's step
      await tx.query(
        `UPDATE members SET status = $2, status_changed_at = $3, updated_at = $3, version = version + 1
          WHERE id = $1`,
        [memberId, status, new Date(at)],
      );
      await this.audit(
        tx,
        'org.member.status',
        { memberId, from: row.status, to: status },
        actor,
        at,
      );
      return true;
    });
  }

  /** Creates a user with its role grants and a first token; the token is returned once. */
  async createUser(
    input: NewUser,
    manager?: EntityManager,
  ): Promise<{ userId: string; token: string }> {
    if (input.name.trim() === '') {
      throw new OrgException(OrgExceptionCode.INVALID_ROLE, 'a user needs a name');
    }
    for (const grant of input.grants) {
      if (!ROLES.includes(grant.role)) {
        throw new OrgException(
          OrgExceptionCode.INVALID_ROLE,
          `role '${grant.role}' is not one of ${ROLES.join(', ')}`,
        );
      }
    }
    return this.within(manager, async (tx) => {
      for (const grant of input.grants) await this.unit(grant.orgUnitId, tx);
      if (input.memberId) {
        const [member] = await tx.query<{ id: string }[]>(`SELECT id FROM members WHERE id = $1`, [
          input.memberId,
        ]);
        if (!member) {
          throw new OrgException(
            OrgExceptionCode.MEMBER_NOT_FOUND,
            `no member '${input.memberId}'`,
          );
        }
      }
      const [user] = await tx.query<{ id: string }[]>(
        `INSERT INTO users (name, member_id) VALUES ($1, $2) RETURNING id`,
        [input.name.trim(), input.memberId ?? null],
      );
      const userId = user.id;
      for (const grant of input.grants) {
        await tx.query(
          `INSERT INTO user_roles (user_id, role, org_unit_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [userId, grant.role, grant.orgUnitId],
        );
      }
      const token = await this.issueToken(userId, input.tokenLabel ?? null, tx, input.token);
      await this.audit(tx, 'org.user.created', {
        userId,
        name: input.name.trim(),
        memberId: input.memberId ?? null,
        grants: input.grants,
      });
      return { userId, token };
    });
  }

  /**
   * A new token for an existing user; returned once, stored as a hash. `value` sets the token
   * instead of a random one (development tokens only).
   */
  async issueToken(
    userId: string,
    label: string | null,
    manager?: EntityManager,
    value?: string,
  ): Promise<string> {
    if (value !== undefined && (!value.startsWith(TOKEN_PREFIX) || value.length < 16)) {
      // A programming error (development tokens are constants), not an operator's input.
      throw new Error(`a token must start with '${TOKEN_PREFIX}' and be at least 16 characters`);
    }
    const token = value ?? generateToken();
    await (manager ?? this.dataSource.manager).query(
      `INSERT INTO api_tokens (user_id, token_hash, label) VALUES ($1, $2, $3)`,
      [userId, hashToken(token), label],
    );
    return token;
  }

  /** The principal a bearer token stands for, or null (unknown, revoked, expired, disabled). */
  async authenticate(token: string): Promise<Principal | null> {
    const now = this.clock.now();
    const rows = await this.dataSource.query<
      {
        user_id: string;
        name: string;
        member_id: string | null;
        role: Role | null;
        org_unit_id: string | null;
        path: string | null;
      }[]
    >(
      `SELECT u.id AS user_id, u.name, u.member_id, r.role, r.org_unit_id, o.path
         FROM api_tokens t
         JOIN users u ON u.id = t.user_id AND u.disabled_at IS NULL
         LEFT JOIN user_roles r ON r.user_id = u.id
         LEFT JOIN org_units o ON o.id = r.org_unit_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL
          AND (t.expires_at IS NULL OR t.expires_at > $2)`,
      [hashToken(token), new Date(now)],
    );
    const first = rows[0];
    if (!first) return null;
    return {
      userId: first.user_id,
      name: first.name,
      memberId: first.member_id,
      grants: rows
        .filter((row) => row.role !== null && row.org_unit_id !== null && row.path !== null)
        .map((row) => ({ role: row.role!, orgUnitId: row.org_unit_id!, path: row.path! })),
    };
  }

  /**
   * Users who hold `role` over a unit: on the unit itself or on one of its ancestors, nearest
   * first (so the branch's own secretary comes before a general branch's).
   */
  async holders(
    role: Role,
    unitId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ userId: string; name: string; orgUnitId: string }[]> {
    const unit = await this.unit(unitId, manager);
    const rows = await manager.query<{ user_id: string; name: string; org_unit_id: string }[]>(
      `SELECT u.id AS user_id, u.name, r.org_unit_id
         FROM user_roles r JOIN users u ON u.id = r.user_id AND u.disabled_at IS NULL
         JOIN org_units o ON o.id = r.org_unit_id
        WHERE r.role = $1 AND $2 LIKE o.path || '%'
        ORDER BY length(o.path) DESC, u.name`,
      [role, unit.path],
    );
    return rows.map((row) => ({ userId: row.user_id, name: row.name, orgUnitId: row.org_unit_id }));
  }

  /** True when no org unit exists yet (a fresh database). */
  async isEmpty(): Promise<boolean> {
    const [row] = await this.dataSource.query<{ empty: boolean }[]>(
      `SELECT NOT EXISTS (SELECT 1 FROM org_units) AS empty`,
    );
    return row?.empty ?? true;
  }

  private async within<T>(
    manager: EntityManager | undefined,
    work: (tx: EntityManager) => Promise<T>,
  ): Promise<T> {
    return manager ? work(manager) : this.dataSource.transaction(work);
  }

  private async audit(
    manager: EntityManager,
    type: string,
    data: object,
    actor: string = OPERATOR_ACTOR,
    at: number = this.clock.now(),
  ): Promise<void> {
    await appendAudit(manager, SYSTEM_STREAM, [{ type, actor, at, data: { ...data } }]);
  }
}

/** A LIKE pattern matching every path below (and including) `path`. */
export function likePrefix(path: string): string {
  return `${path.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function depth(kind: OrgUnitKind): number {
  return ORG_UNIT_KINDS.indexOf(kind);
}

function checkStatus(status: string): asserts status is MemberStatus {
  if (!(MEMBER_STATUSES as readonly string[]).includes(status)) {
    throw new OrgException(
      OrgExceptionCode.INVALID_STATUS,
      `member status '${status}' is not one of ${MEMBER_STATUSES.join(', ')}`,
    );
  }
}

/** At most five items, then how many more. */
function listed(items: readonly string[]): string {
  return `${items.slice(0, 5).join(', ')}${items.length > 5 ? ` and ${items.length - 5} more` : ''}`;
}

function toUnit(row: UnitRow): OrgUnit {
  return { id: row.id, parentId: row.parent_id, kind: row.kind, name: row.name, path: row.path };
}

function toMember(row: MemberRow): Member {
  return {
    id: row.id,
    orgUnitId: row.org_unit_id,
    name: row.name,
    status: row.status,
    birthDate: row.birth_date,
    admissionDate: row.admission_date,
  };
}
