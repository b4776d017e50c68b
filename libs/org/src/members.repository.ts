import { randomUUID } from 'node:crypto';
import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import type { DataSource, EntityManager } from 'typeorm';
import { OrgException, OrgExceptionCode } from './org.exception.js';
import { MEMBER_STATUSES, type MemberStatus } from './org.types.js';
import type { RosterError, RosterMember } from './import/roster-plan.js';
import { updated } from './sql.js';
import { checkName } from './units.repository.js';

export const MEMBER_GENDERS = ['male', 'female'] as const;
export type MemberGender = (typeof MEMBER_GENDERS)[number];

/** A member with everything administration keeps (phone unmasked: mask before showing). */
export interface MemberRecord {
  readonly id: string;
  readonly orgUnitId: string;
  /** The path of the member's unit (for scope checks). */
  readonly unitPath: string;
  /** The name of the member's unit (研发中心党支部). */
  readonly unitName: string;
  readonly name: string;
  readonly gender: MemberGender | null;
  readonly status: MemberStatus;
  /** ISO dates (YYYY-MM-DD). */
  readonly birthDate: string | null;
  readonly admissionDate: string | null;
  readonly fullMemberDate: string | null;
  /** 党员编号. */
  readonly partyNumber: string | null;
  readonly phone: string | null;
  readonly version: number;
}

/** The fields an admin sets on a member (status and unit have their own writes). */
export interface MemberFields {
  readonly name: string;
  readonly gender?: MemberGender | null;
  readonly birthDate?: string | null;
  readonly admissionDate?: string | null;
  readonly fullMemberDate?: string | null;
  readonly partyNumber?: string | null;
  readonly phone?: string | null;
}

interface MemberRow {
  id: string;
  org_unit_id: string;
  path: string;
  unit_name: string;
  name: string;
  gender: MemberGender | null;
  status: MemberStatus;
  birth_date: string | null;
  admission_date: string | null;
  full_member_date: string | null;
  party_number: string | null;
  phone: string | null;
  version: number;
}

const SELECT = `SELECT m.id, m.org_unit_id, u.path, u.name AS unit_name, m.name, m.gender, m.status, m.birth_date::text,
       m.admission_date::text, m.full_member_date::text, m.party_number, m.phone, m.version
  FROM members m JOIN org_units u ON u.id = m.org_unit_id`;

/**
 * Members whose status is one of `$3`, admitted in month `$1` of a year before `$2` (the monthly
 * kick-off's political birthdays), each with the nearest branch at or above their unit: among
 * the units its path names (primary-key lookups), where a prefix match compared every member's
 * unit with every branch. A member of a unit under no branch answers its own unit.
 */
export const BIRTHDAY_MEMBERS_SQL = `SELECT m.id, m.name, m.admission_date::text AS admission_date,
              COALESCE(
                (SELECT b.id FROM org_units b
                  WHERE b.id = ANY (string_to_array(trim(BOTH '/' FROM u.path), '/'))
                    AND b.kind = 'branch'
                  ORDER BY length(b.path) DESC LIMIT 1),
                u.id) AS branch_id
         FROM members m JOIN org_units u ON u.id = m.org_unit_id
        WHERE m.admission_date IS NOT NULL
          AND EXTRACT(MONTH FROM m.admission_date) = $1
          AND EXTRACT(YEAR FROM m.admission_date) < $2
          AND m.status = ANY($3::member_status[])
        ORDER BY m.admission_date, m.id`;

/** A member whose admission anniversary falls in a month (BIRTHDAY_MEMBERS_SQL). */
export interface AdmissionAnniversary {
  readonly id: string;
  readonly name: string;
  /** ISO date (YYYY-MM-DD). */
  readonly admissionDate: string;
  /** The nearest branch at or above the member's unit (else the unit). */
  readonly branchId: string;
}

interface AnniversaryRow {
  id: string;
  name: string;
  admission_date: string;
  branch_id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PHONE = /^\+?[0-9][0-9-]{2,30}$/;
const PARTY_NUMBER = /^[0-9A-Za-z-]{1,64}$/;

/** `13812345678` → `138****5678`; shorter numbers keep their last two digits only. */
export function maskPhone(phone: string | null): string | null {
  if (phone === null) return null;
  if (phone.length >= 11) return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
  return `${'*'.repeat(Math.max(phone.length - 2, 1))}${phone.slice(-2)}`;
}

/**
 * The advisory lock of roster imports: an import holds it alone, every other write of a member
 * (create, edit, transfer, status) shared. An import matches its rows against the members it
 * reads at its start and inserts the rest; a member created (or given a 党员编号) at the same
 * time by the api would be created twice, or fail on the 党员编号's unique index.
 */
const IMPORT_LOCK = 'members:roster-import';

async function importShared(tx: EntityManager): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock_shared(hashtext($1))`, [IMPORT_LOCK]);
}

/**
 * All SQL for administering `members`: create, edit, transfer between units, a manual status
 * change, lookup and list. Every write names the version it read (VERSION_CONFLICT when stale)
 * and is audited in the system stream; the phone is stored masked in the audit trail (an
 * append-only trail cannot be erased).
 */
export class MembersRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: { now(): number },
  ) {}

  /**
   * Members whose status is one of `statuses` admitted in `month` (1–12) of a year before
   * `year`, by admission date then id, each with their branch (BIRTHDAY_MEMBERS_SQL).
   */
  async admissionAnniversaries(
    month: number,
    year: number,
    statuses: readonly MemberStatus[],
  ): Promise<AdmissionAnniversary[]> {
    const rows = await this.dataSource.query<AnniversaryRow[]>(BIRTHDAY_MEMBERS_SQL, [
      month,
      year,
      statuses,
    ]);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      admissionDate: row.admission_date,
      branchId: row.branch_id,
    }));
  }

  async find(id: string, manager: EntityManager = this.dataSource.manager, lock = false) {
    if (!UUID.test(id)) return null;
    // lock the member row alone first: a join locked FOR UPDATE would lose the row when a
    // concurrent transfer changes its unit while we wait
    if (lock) await manager.query(`SELECT 1 FROM members WHERE id = $1 FOR UPDATE`, [id]);
    const [row] = await manager.query<MemberRow[]>(`${SELECT} WHERE m.id = $1`, [id]);
    return row ? toRecord(row) : null;
  }

  /**
   * Members in any of `scopes` (unit paths; null = everywhere), of the subtree `under`, whose
   * name starts with `q` or whose 党员编号 is `q`; by name.
   */
  async list(options: {
    scopes: readonly string[] | null;
    under?: string;
    q?: string;
    /** Only members with one of these statuses (none or empty: any). */
    statuses?: readonly MemberStatus[];
    offset: number;
    limit: number;
  }): Promise<{ items: MemberRecord[]; total: number }> {
    const q = options.q?.trim() || null;
    const statuses = options.statuses?.length ? [...options.statuses] : null;
    const rows = await this.dataSource.query<(MemberRow & { total: number })[]>(
      `${SELECT.replace('m.version', 'm.version, count(*) OVER ()::int AS total')}
        WHERE ($1::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($1::text[]) s(p) WHERE starts_with(u.path, s.p)))
          AND ($2::text IS NULL OR starts_with(u.path, $2))
          AND ($3::text IS NULL OR starts_with(m.name, $3) OR m.party_number = $3)
          AND ($6::member_status[] IS NULL OR m.status = ANY($6::member_status[]))
        ORDER BY m.name, m.id LIMIT $4 OFFSET $5`,
      [options.scopes, options.under ?? null, q, options.limit, options.offset, statuses],
    );
    return { items: rows.map(toRecord), total: rows[0]?.total ?? 0 };
  }

  /**
   * A new member of an open unit. A second member of the same unit with the same name and
   * birth date (a double submit) is MEMBER_EXISTS naming the first; a 党员编号 already held is
   * PARTY_NUMBER_TAKEN.
   */
  async create(
    input: MemberFields & { orgUnitId: string; status: MemberStatus },
    actor: string,
  ): Promise<MemberRecord> {
    checkStatus(input.status);
    const fields = this.checkFields(input);
    return this.dataSource.transaction(async (tx) => {
      await importShared(tx);
      await this.openUnit(tx, input.orgUnitId);
      // serialises concurrent creations of the same person in the unit
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('member:' || $1 || ':' || $2))`, [
        input.orgUnitId,
        fields.name,
      ]);
      const [twin] = await tx.query<{ id: string }[]>(
        `SELECT id FROM members WHERE org_unit_id = $1 AND name = $2
            AND birth_date IS NOT DISTINCT FROM $3::date AND status <> 'cancelled'`,
        [input.orgUnitId, fields.name, fields.birthDate],
      );
      if (twin) {
        throw new OrgException(
          OrgExceptionCode.MEMBER_EXISTS,
          `org unit '${input.orgUnitId}' already has a member '${fields.name}' born ${fields.birthDate ?? '(no birth date)'}: '${twin.id}'`,
        );
      }
      await this.partyNumberFree(tx, fields.partyNumber, null);
      const [{ id }] = await tx.query<{ id: string }[]>(
        `INSERT INTO members (org_unit_id, name, status, gender, birth_date, admission_date,
                              full_member_date, party_number, phone)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          input.orgUnitId,
          fields.name,
          input.status,
          fields.gender,
          fields.birthDate,
          fields.admissionDate,
          fields.fullMemberDate,
          fields.partyNumber,
          fields.phone,
        ],
      );
      const member = (await this.find(id, tx))!;
      await this.audit(tx, 'org.member.created', actor, { ...auditView(member) });
      return member;
    });
  }

  /** Replaces the member's fields (absent optional fields keep their value). */
  async update(
    id: string,
    patch: Partial<MemberFields>,
    version: number,
    actor: string,
  ): Promise<MemberRecord> {
    return this.dataSource.transaction(async (tx) => {
      await importShared(tx);
      const before = await this.current(tx, id, version);
      const fields = this.checkFields({
        name: patch.name ?? before.name,
        gender: patch.gender === undefined ? before.gender : patch.gender,
        birthDate: patch.birthDate === undefined ? before.birthDate : patch.birthDate,
        admissionDate:
          patch.admissionDate === undefined ? before.admissionDate : patch.admissionDate,
        fullMemberDate:
          patch.fullMemberDate === undefined ? before.fullMemberDate : patch.fullMemberDate,
        partyNumber: patch.partyNumber === undefined ? before.partyNumber : patch.partyNumber,
        phone: patch.phone === undefined ? before.phone : patch.phone,
      });
      await this.partyNumberFree(tx, fields.partyNumber, id);
      await tx.query(
        `UPDATE members SET name = $2, gender = $3, birth_date = $4, admission_date = $5,
                full_member_date = $6, party_number = $7, phone = $8, version = version + 1,
                updated_at = $9
          WHERE id = $1`,
        [
          id,
          fields.name,
          fields.gender,
          fields.birthDate,
          fields.admissionDate,
          fields.fullMemberDate,
          fields.partyNumber,
          fields.phone,
          new Date(this.clock.now()),
        ],
      );
      const after = (await this.find(id, tx))!;
      await this.audit(tx, 'org.member.updated', actor, {
        memberId: id,
        before: auditView(before),
        after: auditView(after),
      });
      return after;
    });
  }

  /**
   * 组织关系转接: moves the member to another open unit, and the `member` role its users held
   * on the old unit to the new one, audited once with both units and the reason.
   */
  async transfer(
    id: string,
    toOrgUnitId: string,
    reason: string,
    version: number,
    actor: string,
  ): Promise<MemberRecord> {
    const why = checkReason(reason);
    return this.dataSource.transaction(async (tx) => {
      await importShared(tx);
      const before = await this.current(tx, id, version);
      await this.openUnit(tx, toOrgUnitId);
      if (before.orgUnitId === toOrgUnitId) {
        throw new OrgException(
          OrgExceptionCode.INVALID_MOVE,
          `member '${id}' is already in org unit '${toOrgUnitId}'`,
        );
      }
      const grants = await updated<{ user_id: string }>(
        tx,
        `DELETE FROM user_roles WHERE role = 'member' AND org_unit_id = $2
            AND user_id IN (SELECT id FROM users WHERE member_id = $1)
         RETURNING user_id`,
        [id, before.orgUnitId],
      );
      for (const grant of grants) {
        await tx.query(
          `INSERT INTO user_roles (user_id, role, org_unit_id) VALUES ($1, 'member', $2)
           ON CONFLICT DO NOTHING`,
          [grant.user_id, toOrgUnitId],
        );
      }
      await tx.query(
        `UPDATE members SET org_unit_id = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
        [id, toOrgUnitId, new Date(this.clock.now())],
      );
      await this.audit(tx, 'org.member.transferred', actor, {
        memberId: id,
        fromOrgUnitId: before.orgUnitId,
        toOrgUnitId,
        reason: why,
        memberGrantsMoved: grants.map((grant) => grant.user_id),
      });
      return (await this.find(id, tx))!;
    });
  }

  /**
   * A manual status change (the processes own the normal path): reason required, audited as
   * `org.member.status` with `manual: true`.
   */
  async setStatus(
    id: string,
    status: MemberStatus,
    reason: string,
    version: number,
    actor: string,
  ): Promise<MemberRecord> {
    checkStatus(status);
    const why = checkReason(reason);
    return this.dataSource.transaction(async (tx) => {
      await importShared(tx);
      const before = await this.current(tx, id, version);
      const now = new Date(this.clock.now());
      await tx.query(
        `UPDATE members SET status = $2, status_changed_at = $3, updated_at = $3,
                version = version + 1
          WHERE id = $1`,
        [id, status, now],
      );
      await this.audit(tx, 'org.member.status', actor, {
        memberId: id,
        from: before.status,
        to: status,
        reason: why,
        manual: true,
      });
      return (await this.find(id, tx))!;
    });
  }

  /**
   * Writes a checked roster (see planRoster) in one transaction: each row matched to a member by
   * 党员编号, else by 姓名 + 出生日期 within its unit; new people inserted, changed ones updated
   * (version + 1), identical ones left alone (no version, no audit). An empty optional cell
   * keeps the stored value; members missing from the roster stay. Multi-row statements only;
   * imports are serialised, so a double submit finds everything unchanged. Audited as one
   * `org.members.imported` event (counts, file name, sha256) plus the usual per-member
   * created / updated events (phone masked). Row problems found against the database (a
   * 党员编号 of another unit, a closed unit, two members matching one row) are answered, and
   * nothing is written; `dryRun` writes nothing either.
   */
  async importRoster(
    rows: readonly RosterMember[],
    options: {
      actor: string;
      fileName: string;
      sha256: string;
      dryRun: boolean;
      /**
       * Why the roster changes members' statuses (人员类别): without it a row that would change a
       * stored status is refused; with it each change is applied and audited as a manual one.
       */
      reason?: string | null;
    },
  ): Promise<RosterImportResult> {
    const reason =
      options.reason === undefined || options.reason === null ? null : checkReason(options.reason);
    return this.dataSource.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [IMPORT_LOCK]);
      const unitIds = [...new Set(rows.map((row) => row.orgUnitId))];
      const open = new Set(
        (
          await tx.query<{ id: string }[]>(
            `SELECT id FROM org_units WHERE id = ANY($1::text[]) AND closed_at IS NULL FOR SHARE`,
            [unitIds],
          )
        ).map((unit) => unit.id),
      );
      const existing = (
        await tx.query<MemberRow[]>(
          `${SELECT}
            WHERE m.party_number = ANY($1::text[])
               OR (m.org_unit_id = ANY($2::text[]) AND m.name = ANY($3::text[]))
            FOR UPDATE OF m`,
          [
            rows.flatMap((row) => (row.partyNumber === null ? [] : [row.partyNumber])),
            unitIds,
            [...new Set(rows.map((row) => row.name))],
          ],
        )
      ).map(toRecord);
      const byNumber = new Map(existing.map((member) => [member.partyNumber, member]));
      const byPerson = new Map<string, MemberRecord[]>();
      for (const member of existing) {
        const key = personKey(member.orgUnitId, member.name, member.birthDate);
        byPerson.set(key, [...(byPerson.get(key) ?? []), member]);
      }
      const errors: RosterImportResult['errors'][number][] = [];
      const creates: MemberRecord[] = [];
      const updates: { before: MemberRecord; after: MemberRecord; statusChanged: boolean }[] = [];
      const claimed = new Map<string, number>();
      let unchanged = 0;
      for (const row of rows) {
        if (!open.has(row.orgUnitId)) {
          errors.push({
            row: row.row,
            column: '所在党组织',
            reason: 'the unit was closed or removed',
          });
          continue;
        }
        let match = row.partyNumber === null ? undefined : byNumber.get(row.partyNumber);
        if (match && match.orgUnitId !== row.orgUnitId) {
          errors.push({
            row: row.row,
            column: '党员编号',
            reason: `'${row.partyNumber}' belongs to a member of another unit: transfer the member (组织关系转接) before importing`,
          });
          continue;
        }
        if (!match) {
          const people = byPerson.get(personKey(row.orgUnitId, row.name, row.birthDate)) ?? [];
          const twins = people.filter(
            (twin) => twin.partyNumber === null || row.partyNumber === null,
          );
          const numbered = people.find((twin) => twin.status !== 'cancelled');
          if (twins.length === 0 && numbered) {
            errors.push({
              row: row.row,
              column: '党员编号',
              reason: `a member of the unit with this 姓名 and 出生日期 has 党员编号 '${numbered.partyNumber}'`,
            });
            continue;
          }
          const live = twins.filter((twin) => twin.status !== 'cancelled');
          const pick = live.length > 0 ? live : twins;
          if (pick.length > 1) {
            errors.push({
              row: row.row,
              column: '姓名',
              reason: `${pick.length} members of the unit have this 姓名 and 出生日期: give the 党员编号`,
            });
            continue;
          }
          match = pick[0];
        }
        if (match) {
          const first = claimed.get(match.id);
          if (first !== undefined) {
            errors.push({
              row: row.row,
              column: '姓名',
              reason: `the same member as row ${first}`,
            });
            continue;
          }
          claimed.set(match.id, row.row);
          const after: MemberRecord = {
            ...match,
            name: row.name,
            status: row.status,
            gender: row.gender ?? match.gender,
            birthDate: row.birthDate ?? match.birthDate,
            admissionDate: row.admissionDate ?? match.admissionDate,
            fullMemberDate: row.fullMemberDate ?? match.fullMemberDate,
            partyNumber: row.partyNumber ?? match.partyNumber,
            phone: row.phone ?? match.phone,
          };
          if (after.status !== match.status && reason === null) {
            errors.push({
              row: row.row,
              column: '人员类别',
              reason: `状态变更须由管理员填写原因：${match.name}现为${STATUS_LABELS[match.status]}，花名册为${STATUS_LABELS[after.status]}（导入时给出 reason，或先逐人办理状态变更）`,
            });
            continue;
          }
          if (JSON.stringify(after) === JSON.stringify(match)) unchanged += 1;
          else {
            updates.push({
              before: match,
              after: { ...after, version: match.version + 1 },
              statusChanged: after.status !== match.status,
            });
          }
          continue;
        }
        creates.push({
          id: randomUUID(),
          orgUnitId: row.orgUnitId,
          unitPath: '',
          unitName: '',
          name: row.name,
          gender: row.gender,
          status: row.status,
          birthDate: row.birthDate,
          admissionDate: row.admissionDate,
          fullMemberDate: row.fullMemberDate,
          partyNumber: row.partyNumber,
          phone: row.phone,
          version: 1,
        });
      }
      const result = { created: creates.length, updated: updates.length, unchanged, errors };
      if (errors.length > 0 || options.dryRun) return result;
      const now = new Date(this.clock.now());
      const columns = (members: readonly MemberRecord[]) => [
        members.map((member) => member.id),
        members.map((member) => member.orgUnitId),
        members.map((member) => member.name),
        members.map((member) => member.status),
        members.map((member) => member.gender),
        members.map((member) => member.birthDate),
        members.map((member) => member.admissionDate),
        members.map((member) => member.fullMemberDate),
        members.map((member) => member.partyNumber),
        members.map((member) => member.phone),
      ];
      const VALUES = `unnest($1::uuid[], $2::text[], $3::text[], $4::member_status[],
                             $5::member_gender[], $6::date[], $7::date[], $8::date[], $9::text[], $10::text[])`;
      if (creates.length > 0) {
        await tx.query(
          `INSERT INTO members (id, org_unit_id, name, status, gender, birth_date, admission_date,
                                full_member_date, party_number, phone, status_changed_at, updated_at)
           SELECT v.*, $11::timestamptz, $11::timestamptz FROM ${VALUES} AS v`,
          [...columns(creates), now],
        );
      }
      if (updates.length > 0) {
        const afters = updates.map((update) => update.after);
        await tx.query(
          `UPDATE members m
              SET name = v.name, status = v.status, gender = v.gender, birth_date = v.birth_date,
                  admission_date = v.admission_date, full_member_date = v.full_member_date,
                  party_number = v.party_number, phone = v.phone, version = m.version + 1,
                  updated_at = $11,
                  status_changed_at = CASE WHEN m.status = v.status THEN m.status_changed_at ELSE $11 END
             FROM ${VALUES} AS v(id, org_unit_id, name, status, gender, birth_date, admission_date,
                                 full_member_date, party_number, phone)
            WHERE m.id = v.id`,
          [...columns(afters), now],
        );
      }
      const events = [
        ...creates.map((member) => ({
          type: 'org.member.created',
          data: { ...auditView(member), imported: true },
        })),
        ...updates.flatMap(({ before, after, statusChanged }) => [
          {
            type: 'org.member.updated',
            data: {
              memberId: before.id,
              before: auditView(before),
              after: auditView(after),
              imported: true,
            },
          },
          // a status the roster changes is a manual change, audited as setStatus audits one
          ...(statusChanged
            ? [
                {
                  type: 'org.member.status',
                  data: {
                    memberId: before.id,
                    from: before.status,
                    to: after.status,
                    reason,
                    manual: true,
                    imported: true,
                  },
                },
              ]
            : []),
        ]),
        {
          type: 'org.members.imported',
          data: {
            fileName: options.fileName,
            sha256: options.sha256,
            rows: rows.length,
            created: creates.length,
            updated: updates.length,
            unchanged,
            ...(reason === null ? {} : { reason }),
          },
        },
      ];
      for (let at = 0; at < events.length; at += AUDIT_BATCH) {
        await appendAudit(
          tx,
          SYSTEM_STREAM,
          events.slice(at, at + AUDIT_BATCH).map((event) => ({
            ...event,
            actor: options.actor,
            at: this.clock.now(),
          })),
        );
      }
      return result;
    });
  }

  private async current(tx: EntityManager, id: string, version: number): Promise<MemberRecord> {
    const member = await this.find(id, tx, true);
    if (!member) throw new OrgException(OrgExceptionCode.MEMBER_NOT_FOUND, `no member '${id}'`);
    if (member.version !== version) {
      throw new OrgException(
        OrgExceptionCode.VERSION_CONFLICT,
        `member '${id}' is at version ${member.version}, not ${version}: it changed since you read it`,
      );
    }
    return member;
  }

  private async openUnit(tx: EntityManager, orgUnitId: string): Promise<void> {
    const [unit] = await tx.query<{ closed: boolean }[]>(
      `SELECT closed_at IS NOT NULL AS closed FROM org_units WHERE id = $1 FOR SHARE`,
      [orgUnitId],
    );
    if (!unit)
      throw new OrgException(OrgExceptionCode.UNIT_NOT_FOUND, `no org unit '${orgUnitId}'`);
    if (unit.closed) {
      throw new OrgException(
        OrgExceptionCode.UNIT_CLOSED,
        `org unit '${orgUnitId}' is closed: it takes no members`,
      );
    }
  }

  private async partyNumberFree(
    tx: EntityManager,
    partyNumber: string | null,
    self: string | null,
  ): Promise<void> {
    if (partyNumber === null) return;
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('party-number:' || $1))`, [partyNumber]);
    const [holder] = await tx.query<{ id: string }[]>(
      `SELECT id FROM members WHERE party_number = $1 AND ($2::uuid IS NULL OR id <> $2)`,
      [partyNumber, self],
    );
    if (holder) {
      throw new OrgException(
        OrgExceptionCode.PARTY_NUMBER_TAKEN,
        `partyNumber '${partyNumber}' (党员编号) is already member '${holder.id}'`,
      );
    }
  }

  /** Trims and checks the fields; throws INVALID_MEMBER naming the field. */
  private checkFields(input: MemberFields): Required<MemberFields> {
    const name = checkName(input.name, 'name', OrgExceptionCode.INVALID_MEMBER);
    const gender = input.gender ?? null;
    if (gender !== null && !(MEMBER_GENDERS as readonly string[]).includes(gender)) {
      invalid('gender', `must be one of ${MEMBER_GENDERS.join(', ')}`);
    }
    const today = new Date(this.clock.now()).toISOString().slice(0, 10);
    const dates = {
      birthDate: input.birthDate ?? null,
      admissionDate: input.admissionDate ?? null,
      fullMemberDate: input.fullMemberDate ?? null,
    };
    for (const [field, value] of Object.entries(dates)) {
      if (value === null) continue;
      if (!isIsoDate(value)) invalid(field, `'${value.slice(0, 40)}' is not a date (YYYY-MM-DD)`);
      if (value > today) invalid(field, `${value} is in the future`);
      if (value < '1900-01-01') invalid(field, `${value} is before 1900`);
    }
    const order = (['birthDate', 'admissionDate', 'fullMemberDate'] as const).filter(
      (field) => dates[field] !== null,
    );
    for (let i = 1; i < order.length; i++) {
      const earlier = dates[order[i - 1]]!;
      const later = dates[order[i]]!;
      const strict = order[i - 1] === 'birthDate';
      if (strict ? later <= earlier : later < earlier) {
        invalid(
          order[i],
          `${later} is ${strict ? 'not after' : 'before'} ${order[i - 1]} ${earlier} (birth < admission ≤ full membership)`,
        );
      }
    }
    const partyNumber = input.partyNumber?.trim() || null;
    if (partyNumber !== null && !PARTY_NUMBER.test(partyNumber)) {
      invalid('partyNumber', 'must be 1 to 64 letters, digits or -');
    }
    const phone = input.phone?.trim() || null;
    if (phone !== null && !PHONE.test(phone)) {
      invalid('phone', 'must be digits, + and - only (3 to 32 characters)');
    }
    return { name, gender, ...dates, partyNumber, phone };
  }

  private async audit(
    tx: EntityManager,
    type: string,
    actor: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    await appendAudit(tx, SYSTEM_STREAM, [{ type, actor, at: this.clock.now(), data }]);
  }
}

/** What a roster import did (or, dry, would do); `errors` non-empty means nothing was written. */
export interface RosterImportResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly errors: readonly RosterError[];
}

/** Audit events appended per statement (each event is a handful of parameters). */
const AUDIT_BATCH = 1000;

/** A member status as a person reads it (the roster's 人员类别). */
const STATUS_LABELS: Readonly<Record<MemberStatus, string>> = {
  applicant: '入党申请人',
  activist: '入党积极分子',
  candidate: '发展对象',
  probationary: '预备党员',
  full: '正式党员',
  cancelled: '出党（党籍终止）',
};

function personKey(orgUnitId: string, name: string, birthDate: string | null): string {
  return `${orgUnitId}\u0000${name}\u0000${birthDate ?? ''}`;
}

function invalid(field: string, message: string): never {
  throw new OrgException(OrgExceptionCode.INVALID_MEMBER, `${field} ${message}`);
}

function checkReason(reason: string): string {
  const why = reason.trim();
  if (why.length === 0 || why.length > 500) invalid('reason', 'must be 1 to 500 characters');
  return why;
}

function checkStatus(status: string): asserts status is MemberStatus {
  if (!(MEMBER_STATUSES as readonly string[]).includes(status)) {
    invalid('status', `'${status.slice(0, 40)}' is not one of ${MEMBER_STATUSES.join(', ')}`);
  }
}

function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [, y, m, d] = match.map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** What the audit trail keeps of a member: everything but the phone, which is masked. */
function auditView(member: MemberRecord): Record<string, unknown> {
  return {
    id: member.id,
    orgUnitId: member.orgUnitId,
    name: member.name,
    gender: member.gender,
    status: member.status,
    birthDate: member.birthDate,
    admissionDate: member.admissionDate,
    fullMemberDate: member.fullMemberDate,
    partyNumber: member.partyNumber,
    phone: maskPhone(member.phone),
    version: member.version,
  };
}

function toRecord(row: MemberRow): MemberRecord {
  return {
    id: row.id,
    orgUnitId: row.org_unit_id,
    unitPath: row.path,
    unitName: row.unit_name,
    name: row.name,
    gender: row.gender,
    status: row.status,
    birthDate: row.birth_date,
    admissionDate: row.admission_date,
    fullMemberDate: row.full_member_date,
    partyNumber: row.party_number,
    phone: row.phone,
    version: row.version,
  };
}
