import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import type { DataSource, EntityManager } from 'typeorm';
import { OrgException, OrgExceptionCode } from './org.exception.js';
import { type MemberStatus, ORG_UNIT_KINDS, type OrgUnit, type OrgUnitKind } from './org.types.js';
import { updated } from './sql.js';

/** An org unit as administration sees it: with its version and when it was closed. */
export interface OrgUnitRecord extends OrgUnit {
  readonly version: number;
  /** Epoch ms; null while open. */
  readonly closedAt: number | null;
}

interface UnitRow {
  id: string;
  parent_id: string | null;
  kind: OrgUnitKind;
  name: string;
  path: string;
  version: number;
  closed_at: Date | null;
}

const COLUMNS = `id, parent_id, kind, name, path, version, closed_at`;

/**
 * Every branch with the members of its subtree whose status is one of `$1` (the monthly
 * kick-off's theme days). The subtree of `b` is the range of paths from `b.path` up to its last
 * `/` turned into `0` (the character after it; ids are `[a-z0-9-]`): a range scan of
 * org_units_path_idx (text_pattern_ops) per branch, where `LIKE b.path || '%'` compared every
 * branch with every unit.
 */
export const THEME_DAY_BRANCHES_SQL = `SELECT b.id,
              COALESCE(array_agg(m.id::text ORDER BY m.name, m.id) FILTER (WHERE m.id IS NOT NULL),
                       '{}') AS member_ids
         FROM org_units b
         JOIN org_units u ON u.path ~>=~ b.path AND u.path ~<~ (left(b.path, -1) || '0')
         LEFT JOIN members m ON m.org_unit_id = u.id AND m.status = ANY($1::member_status[])
        WHERE b.kind = 'branch'
        GROUP BY b.id, b.path
        ORDER BY b.path`;

/** A branch with the ids of the members of its subtree (THEME_DAY_BRANCHES_SQL). */
export interface BranchMembers {
  readonly id: string;
  /** By name, then id. */
  readonly memberIds: readonly string[];
}

interface BranchMembersRow {
  id: string;
  member_ids: string[];
}
const UNIT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** C0, DEL, C1 and the bidi controls. */
// eslint-disable-next-line no-control-regex -- the point is to refuse them
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * A unit or member name: trimmed, 1–64 characters, no control characters. Throws
 * INVALID_UNIT / INVALID_MEMBER (per `code`) naming `field`.
 */
export function checkName(value: string, field: string, code: OrgExceptionCode): string {
  const name = value.trim();
  if (name.length === 0 || [...name].length > 64 || CONTROL.test(name)) {
    throw new OrgException(
      code,
      `${field} must be 1 to 64 characters without control characters (got ${[...name].length})`,
    );
  }
  return name;
}

/**
 * Which kind may sit under which: committee > general_branch > branch > group, levels may be
 * skipped (a branch directly under a committee), a committee may sit under a committee (a
 * grass-roots committee under a higher one), no other kind under its own kind, and only a
 * committee is a root.
 */
export function kindFits(kind: OrgUnitKind, parentKind: OrgUnitKind | null): boolean {
  if (parentKind === null) return kind === 'committee';
  const depth = ORG_UNIT_KINDS.indexOf(kind);
  const parentDepth = ORG_UNIT_KINDS.indexOf(parentKind);
  return depth > parentDepth || (kind === 'committee' && parentKind === 'committee');
}

/** The work left in a unit's subtree, which keeps it from being closed. */
export interface OpenWork {
  readonly units: number;
  readonly members: number;
  readonly instances: number;
}

/**
 * The advisory lock of the tree's shape: a move holds it alone, a creation shared. Two moves of
 * overlapping subtrees would otherwise each check its own rows as they were before the other
 * (A under B and B under A both pass the cycle check, or deadlock on each other's subtree), and
 * a unit created under a subtree while a move rewrites its paths — the move's UPDATE reads the
 * rows that existed when it started — would keep the old path. Moves are rare; creations still
 * run side by side.
 */
const MOVE_LOCK = 'org_units:move';

/**
 * All SQL for administering `org_units` (create, rename, move, close, list). Every write names
 * the version it read (VERSION_CONFLICT when stale), runs in one transaction and is audited in
 * the system stream with the actor and the values before and after.
 */
export class UnitsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: { now(): number },
  ) {}

  async find(
    id: string,
    manager: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<OrgUnitRecord | null> {
    if (!UNIT_ID.test(id)) return null;
    const [row] = await manager.query<UnitRow[]>(
      `SELECT ${COLUMNS} FROM org_units WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ? toRecord(row) : null;
  }

  /**
   * Units under any of `scopes` (paths; null = everywhere), and under `under` when given (or
   * only the children of `parentId`), by path (parents before children); closed ones only with
   * `includeClosed`; with `nameContains`, only units whose name holds it. Each with its
   * parent's name and how many children it has (closed ones counted likewise), so a tree can
   * load one level at a time and know its leaves, and a picker can tell units of one name apart.
   */
  async list(options: {
    scopes: readonly string[] | null;
    under?: string;
    parentId?: string;
    nameContains?: string;
    includeClosed?: boolean;
    offset: number;
    limit: number;
  }): Promise<{
    items: (OrgUnitRecord & { childCount: number; parentName: string | null })[];
    total: number;
  }> {
    const rows = await this.dataSource.query<
      (UnitRow & { total: number; child_count: number; parent_name: string | null })[]
    >(
      `SELECT ${COLUMNS}, count(*) OVER ()::int AS total,
              (SELECT count(*)::int FROM org_units c
                WHERE c.parent_id = o.id AND ($3 OR c.closed_at IS NULL)) AS child_count,
              (SELECT p.name FROM org_units p WHERE p.id = o.parent_id) AS parent_name
         FROM org_units o
        WHERE ($1::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($1::text[]) s(p) WHERE starts_with(path, s.p)))
          AND ($2::text IS NULL OR starts_with(path, $2))
          AND ($3 OR closed_at IS NULL)
          AND ($6::text IS NULL OR parent_id = $6)
          AND ($7::text IS NULL OR strpos(lower(name), lower($7)) > 0)
        ORDER BY path LIMIT $4 OFFSET $5`,
      [
        options.scopes,
        options.under ?? null,
        options.includeClosed ?? false,
        options.limit,
        options.offset,
        options.parentId ?? null,
        options.nameContains ?? null,
      ],
    );
    return {
      items: rows.map((row) => ({
        ...toRecord(row),
        childCount: row.child_count,
        parentName: row.parent_name,
      })),
      total: rows[0]?.total ?? 0,
    };
  }

  /**
   * The open units of the subtree at `path` ('/' for the whole tree), each with the names of its
   * path from the top of the tree (what a roster's 所在党组织 is matched against).
   */
  async namedSubtree(path: string): Promise<{ id: string; names: string[] }[]> {
    const rows = await this.dataSource.query<UnitRow[]>(
      `SELECT ${COLUMNS} FROM org_units WHERE starts_with(path, $1) OR starts_with($1, path)`,
      [path],
    );
    const names = new Map(rows.map((row) => [row.id, row.name]));
    return rows
      .filter((row) => row.path.startsWith(path) && row.closed_at === null)
      .map((row) => ({
        id: row.id,
        names: row.path
          .split('/')
          .filter((id) => id !== '')
          .map((id) => names.get(id) ?? id),
      }));
  }

  /** How many org units exist (closed ones too). */
  async count(manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [row] = await manager.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM org_units`);
    return row?.n ?? 0;
  }

  /**
   * Every unit by path (parents before children), closed ones too, each with how many members
   * of its subtree are not cancelled (`cli org list`).
   */
  async treeWithMemberCounts(): Promise<(OrgUnitRecord & { members: number })[]> {
    const rows = await this.dataSource.query<(UnitRow & { members: number })[]>(
      `SELECT ${COLUMNS},
              (SELECT count(*)::int FROM members m JOIN org_units s ON s.id = m.org_unit_id
                WHERE s.path LIKE u.path || '%' AND m.status <> 'cancelled') AS members
         FROM org_units u ORDER BY u.path`,
    );
    return rows.map((row) => ({ ...toRecord(row), members: row.members }));
  }

  /**
   * Every branch, by path, with the ids of the members of its subtree whose status is one of
   * `statuses` (THEME_DAY_BRANCHES_SQL: a range scan of the path index per branch).
   */
  async branchesWithMembers(statuses: readonly MemberStatus[]): Promise<BranchMembers[]> {
    const rows = await this.dataSource.query<BranchMembersRow[]>(THEME_DAY_BRANCHES_SQL, [
      statuses,
    ]);
    return rows.map((row) => ({ id: row.id, memberIds: row.member_ids }));
  }

  /** A new unit under an open parent; the same id twice is UNIT_EXISTS (one effect). */
  async create(
    input: { id: string; parentId: string | null; kind: OrgUnitKind; name: string },
    actor: string,
  ): Promise<OrgUnitRecord> {
    if (!UNIT_ID.test(input.id)) {
      throw new OrgException(
        OrgExceptionCode.INVALID_UNIT,
        `org unit id '${input.id.slice(0, 80)}' must be lower-case letters, digits and '-', at most 63 characters`,
      );
    }
    if (!(ORG_UNIT_KINDS as readonly string[]).includes(input.kind)) {
      throw new OrgException(
        OrgExceptionCode.INVALID_UNIT,
        `org unit kind '${String(input.kind).slice(0, 40)}' is not one of ${ORG_UNIT_KINDS.join(', ')}`,
      );
    }
    const name = checkName(input.name, 'name', OrgExceptionCode.INVALID_UNIT);
    return this.dataSource.transaction(async (tx) => {
      // A creation never overlaps a move (see MOVE_LOCK): the parent's path it copies stays
      await tx.query(`SELECT pg_advisory_xact_lock_shared(hashtext($1))`, [MOVE_LOCK]);
      let path = `/${input.id}/`;
      let parentKind: OrgUnitKind | null = null;
      if (input.parentId !== null) {
        const parent = await this.find(input.parentId, tx, true);
        if (!parent) {
          throw new OrgException(
            OrgExceptionCode.UNIT_NOT_FOUND,
            `no org unit '${input.parentId}'`,
          );
        }
        if (parent.closedAt !== null) {
          throw new OrgException(
            OrgExceptionCode.UNIT_CLOSED,
            `org unit '${parent.id}' is closed: it takes no new units`,
          );
        }
        parentKind = parent.kind;
        path = `${parent.path}${input.id}/`;
      }
      if (!kindFits(input.kind, parentKind)) {
        throw new OrgException(
          OrgExceptionCode.INVALID_UNIT,
          parentKind === null
            ? `org unit '${input.id}': only a committee may be a root (it is a ${input.kind})`
            : `org unit '${input.id}': a ${input.kind} cannot sit under a ${parentKind} ('${input.parentId}')`,
        );
      }
      const [row] = await tx.query<UnitRow[]>(
        `INSERT INTO org_units (id, parent_id, kind, name, path) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
        [input.id, input.parentId, input.kind, name, path],
      );
      if (!row) {
        throw new OrgException(
          OrgExceptionCode.UNIT_EXISTS,
          `org unit '${input.id}' already exists`,
        );
      }
      const unit = toRecord(row);
      await this.audit(tx, 'org.unit.created', actor, {
        id: unit.id,
        parentId: unit.parentId,
        kind: unit.kind,
        name: unit.name,
        path: unit.path,
      });
      return unit;
    });
  }

  async rename(id: string, name: string, version: number, actor: string): Promise<OrgUnitRecord> {
    const trimmed = checkName(name, 'name', OrgExceptionCode.INVALID_UNIT);
    return this.dataSource.transaction(async (tx) => {
      const unit = await this.current(tx, id, version);
      const [row] = await updated<UnitRow>(
        tx,
        `UPDATE org_units SET name = $2, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, trimmed],
      );
      await this.audit(tx, 'org.unit.renamed', actor, { id, from: unit.name, to: trimmed });
      return toRecord(row);
    });
  }

  /**
   * Moves a unit and its whole subtree under `parentId`: one UPDATE rewrites every path that
   * starts with the old prefix, in the same transaction as the checks (parent open, not in
   * the subtree, kinds still a tree). Answers the moved unit and how many units moved.
   */
  async move(
    id: string,
    parentId: string,
    version: number,
    actor: string,
  ): Promise<{ unit: OrgUnitRecord; moved: number }> {
    return this.dataSource.transaction(async (tx) => {
      // Moves one at a time, each reading the tree as the last one left it (see MOVE_LOCK)
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [MOVE_LOCK]);
      const unit = await this.current(tx, id, version);
      const parent = await this.find(parentId, tx, true);
      if (!parent)
        throw new OrgException(OrgExceptionCode.UNIT_NOT_FOUND, `no org unit '${parentId}'`);
      if (parent.path.startsWith(unit.path)) {
        throw new OrgException(
          OrgExceptionCode.INVALID_MOVE,
          `org unit '${id}' cannot move under '${parentId}': that is in its own subtree`,
        );
      }
      if (parent.closedAt !== null) {
        throw new OrgException(
          OrgExceptionCode.UNIT_CLOSED,
          `org unit '${parentId}' is closed: it takes no units`,
        );
      }
      if (!kindFits(unit.kind, parent.kind)) {
        throw new OrgException(
          OrgExceptionCode.INVALID_MOVE,
          `org unit '${id}': a ${unit.kind} cannot sit under a ${parent.kind} ('${parentId}')`,
        );
      }
      if (unit.parentId === parentId) return { unit, moved: 0 };
      const newPath = `${parent.path}${id}/`;
      const rows = await updated<UnitRow>(
        tx,
        `UPDATE org_units
            SET path = $3 || substr(path, length($2) + 1),
                parent_id = CASE WHEN id = $1 THEN $4 ELSE parent_id END,
                version = version + 1
          WHERE starts_with(path, $2)
          RETURNING ${COLUMNS}`,
        [id, unit.path, newPath, parentId],
      );
      const moved = rows.find((row) => row.id === id)!;
      await this.audit(tx, 'org.unit.moved', actor, {
        id,
        fromParentId: unit.parentId,
        toParentId: parentId,
        fromPath: unit.path,
        toPath: newPath,
        units: rows.length,
      });
      return { unit: toRecord(moved), moved: rows.length };
    });
  }

  /**
   * Closes a unit (it keeps its history; takes no new units, members or moves). Refused with
   * UNIT_NOT_EMPTY while its subtree has open units, members who are not cancelled or
   * instances not ended, naming how many of each.
   */
  async close(id: string, version: number, actor: string): Promise<OrgUnitRecord> {
    return this.dataSource.transaction(async (tx) => {
      const unit = await this.current(tx, id, version);
      if (unit.closedAt !== null) {
        throw new OrgException(OrgExceptionCode.UNIT_CLOSED, `org unit '${id}' is already closed`);
      }
      const open = await this.openWork(tx, unit.path);
      if (open.units + open.members + open.instances > 0) {
        throw new OrgException(
          OrgExceptionCode.UNIT_NOT_EMPTY,
          `org unit '${id}' cannot be closed: ${open.units} open unit(s) below it, ${open.members} member(s) not cancelled and ${open.instances} instance(s) not ended remain in its subtree`,
        );
      }
      const [row] = await updated<UnitRow>(
        tx,
        `UPDATE org_units SET closed_at = $2, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, new Date(this.clock.now())],
      );
      await this.audit(tx, 'org.unit.closed', actor, { id, path: unit.path });
      return toRecord(row);
    });
  }

  private async openWork(tx: EntityManager, path: string): Promise<OpenWork> {
    const [row] = await tx.query<OpenWork[]>(
      `SELECT (SELECT count(*)::int FROM org_units
                WHERE starts_with(path, $1) AND path <> $1 AND closed_at IS NULL) AS units,
              (SELECT count(*)::int FROM members m JOIN org_units u ON u.id = m.org_unit_id
                WHERE starts_with(u.path, $1) AND m.status <> 'cancelled') AS members,
              (SELECT count(*)::int FROM process_instances i JOIN org_units u ON u.id = i.org_unit_id
                WHERE starts_with(u.path, $1) AND i.state IN ('active', 'incident')) AS instances`,
      [path],
    );
    return row;
  }

  /** The unit, locked, if `version` is its current version; else UNIT_NOT_FOUND / VERSION_CONFLICT. */
  private async current(tx: EntityManager, id: string, version: number): Promise<OrgUnitRecord> {
    const unit = await this.find(id, tx, true);
    if (!unit) throw new OrgException(OrgExceptionCode.UNIT_NOT_FOUND, `no org unit '${id}'`);
    if (unit.version !== version) {
      throw new OrgException(
        OrgExceptionCode.VERSION_CONFLICT,
        `org unit '${id}' is at version ${unit.version}, not ${version}: it changed since you read it`,
      );
    }
    return unit;
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

function toRecord(row: UnitRow): OrgUnitRecord {
  return {
    id: row.id,
    parentId: row.parent_id,
    kind: row.kind,
    name: row.name,
    path: row.path,
    version: row.version,
    closedAt: row.closed_at === null ? null : row.closed_at.getTime(),
  };
}
