import {
  CursorError,
  SqlParams,
  decodeCursor,
  encodeCursor,
  isCount,
  isMicroInstant,
  isUuid,
  microStamp,
} from '@app/keyset';
import { likePrefix } from '@app/org';
import type { DataSource } from 'typeorm';

/**
 * The overdue board's page (逾期督办, `GET /api/ledger/overdue`), read in index order whatever the
 * size of the ledger (see migration LedgerOverdueBoard). Its order — red (open or in progress
 * past due, with the grace) first, then the most escalated, then by due time — depends on the
 * moment, so it is read as two streams, each in an index's order:
 *
 * - **red**: items not settled, open or in progress, due (with the grace) before now; in
 *   (escalations DESC, due_at, id). Within one escalation count the index holds them by due
 *   time, so the red ones come first and the walk stops at the page;
 * - **escalated, not red**: items not settled that were escalated (督办) at least once and are
 *   not red (submitted, or due later after a new due time); a small partial index.
 *
 * The caller's scope comes first, as unit ids (the units under its paths, read from org_units
 * by path range): an index condition on `ledger_items.org_unit_id`; the items of the tasks
 * assigned to the caller (wherever they are) are a third, small stream. The planner picks per
 * stream between walking the order's index and filtering by unit (a wide scope: a committee)
 * and reading the scope's units and sorting (a narrow one: a branch). Pages continue by a
 * cursor (stable under concurrent writes); the count reads at most BOARD_COUNT_CAP + 1 rows.
 */

/** How many items `total` counts exactly; past it, `capped`. */
export const BOARD_COUNT_CAP = 1000;

/** A cursor that is not one the board gave out. */
export class BoardCursorError extends CursorError {}

export interface BoardScope {
  /** Unit paths whose subtrees the caller reads. */
  readonly paths: readonly string[];
  /** The caller's user and member ids: the items of tasks assigned to them. */
  readonly identities: readonly string[];
}

export interface BoardRequest {
  readonly limit: number;
  readonly offset: number;
  readonly cursor?: string;
  /** Only this unit's subtree. */
  readonly unitPath: string | null;
  readonly now: Date;
  /** The grace after an item is opened before it can be red, as a PostgreSQL interval. */
  readonly grace: string;
}

export interface BoardPage {
  /** The page's items, in the board's order. */
  readonly ids: string[];
  readonly nextCursor: string | null;
  readonly total: number;
  readonly capped: boolean;
}

/** Where a page starts: after this item. */
interface Position {
  readonly red: boolean;
  readonly escalations: number;
  readonly due: string | null;
  readonly id: string;
}

interface KeyRow {
  id: string;
  red: boolean;
  escalations: number;
  due_key: string | null;
}

const ORDER = 'red DESC, escalations DESC, due_at ASC NULLS LAST, id';
const STREAM_ORDER = 'l.escalations DESC, l.due_at ASC NULLS LAST, l.id';

export async function readOverdueBoard(
  db: DataSource,
  scope: BoardScope,
  request: BoardRequest,
): Promise<BoardPage> {
  const position = request.cursor === undefined ? null : boardPosition(request.cursor);
  const units = await scopeUnits(db, scope.paths, request.unitPath);
  // The red rows first; the other stream only when they do not fill the page (or the count)
  const take = request.offset + request.limit + 1;
  const [red, redCount] = await Promise.all([
    db.query<KeyRow[]>(...pageQuery(scope, units, request, true, position, take)),
    db.query<{ n: number }[]>(...countQuery(scope, units, request, true)),
  ]);
  const redN = redCount[0]?.n ?? 0;
  const [rest, restCount] = await Promise.all([
    red.length >= take
      ? []
      : db.query<KeyRow[]>(...pageQuery(scope, units, request, false, position, take - red.length)),
    redN > BOARD_COUNT_CAP
      ? []
      : db.query<{ n: number }[]>(...countQuery(scope, units, request, false)),
  ]);
  const found = [...red, ...rest].slice(request.offset);
  const more = found.length > request.limit;
  const keys = found.slice(0, request.limit);
  const last = keys.at(-1);
  const n = redN + (restCount[0]?.n ?? 0);
  return {
    ids: keys.map((key) => key.id),
    nextCursor: more && last ? boardCursor(last) : null,
    total: Math.min(n, BOARD_COUNT_CAP),
    capped: n > BOARD_COUNT_CAP,
  };
}

/** The ids of the units under the scope's paths (and under `unitPath`): path range scans. */
async function scopeUnits(
  db: DataSource,
  paths: readonly string[],
  unitPath: string | null,
): Promise<string[]> {
  if (paths.length === 0) return [];
  const params = new SqlParams();
  const under = [...new Set(paths)]
    .map((path) => `o.path LIKE ${params.add(likePrefix(path), 'text')}`)
    .join(' OR ');
  const within =
    unitPath === null ? '' : ` AND o.path LIKE ${params.add(likePrefix(unitPath), 'text')}`;
  const [row] = await db.query<{ ids: string[] | null }[]>(
    `SELECT array_agg(o.id) AS ids FROM org_units o WHERE (${under})${within}`,
    params.values,
  );
  return row?.ids ?? [];
}

/** One stream: its rows' conditions, whether it is red, and whether it holds few rows. */
interface Stream {
  readonly where: string;
  readonly red: boolean;
  readonly few: boolean;
}

function streams(
  scope: BoardScope,
  units: string[],
  request: BoardRequest,
  red: boolean,
  params: SqlParams,
): Stream[] {
  const now = params.add(request.now, 'timestamptz');
  const grace = params.add(request.grace, 'interval');
  const late = `l.state IN ('open', 'in_progress') AND l.due_at < ${now} AND l.created_at + ${grace} < ${now}`;
  const kind = red
    ? `l.settled_at IS NULL AND l.due_at IS NOT NULL AND ${late}`
    : `l.settled_at IS NULL AND l.escalations > 0
       AND l.state IN ('open', 'in_progress', 'submitted') AND NOT COALESCE(${late}, false)`;
  const parts: { sql: string; few: boolean }[] = [];
  if (units.length > 0)
    parts.push({ sql: `l.org_unit_id = ANY(${params.add(units, 'text[]')})`, few: false });
  if (scope.identities.length > 0) {
    const within =
      request.unitPath === null
        ? ''
        : ` AND l.org_unit_id IN (SELECT o.id FROM org_units o WHERE o.path LIKE ${params.add(likePrefix(request.unitPath), 'text')})`;
    parts.push({
      sql: `l.task_id IN (SELECT t.id FROM tasks t WHERE t.assignee = ANY(${params.add([...scope.identities], 'text[]')}))${within}`,
      few: true,
    });
  }
  return parts.map((part) => ({ where: `${part.sql} AND ${kind}`, red, few: part.few }));
}

/** One stream's first `limit` rows after `key`, in the board's order. */
function select(stream: Stream, key: string, limit: string): string {
  const columns = `l.id, ${stream.red} AS red, l.escalations, l.due_at`;
  const from = stream.few
    ? `(SELECT l.id, l.escalations, l.due_at FROM ledger_items l WHERE ${stream.where}${key} OFFSET 0) l`
    : `ledger_items l WHERE ${stream.where}${key}`;
  return `(SELECT ${columns} FROM ${from} ORDER BY ${STREAM_ORDER} LIMIT ${limit})`;
}

/** The first `take` rows of the red (or the other) streams after `position`, in order. */
function pageQuery(
  scope: BoardScope,
  units: string[],
  request: BoardRequest,
  red: boolean,
  position: Position | null,
  take: number,
): [string, unknown[]] {
  const params = new SqlParams();
  // bigint: a page far past the end is an offset beyond int's range
  const limit = params.add(take, 'bigint');
  const selects = streams(scope, units, request, red, params).flatMap((stream) =>
    after(stream, position, params).map((key) => select(stream, key, limit)),
  );
  if (selects.length === 0) return ['SELECT NULL::uuid AS id WHERE FALSE', []];
  return [
    `SELECT b.id, b.red, b.escalations, ${microStamp('b.due_at')} AS due_key
       FROM (${selects.join(' UNION ')}) b
      ORDER BY ${ORDER} LIMIT ${limit}`,
    params.values,
  ];
}

/** How many red (or other) rows there are, up to BOARD_COUNT_CAP + 1. */
function countQuery(
  scope: BoardScope,
  units: string[],
  request: BoardRequest,
  red: boolean,
): [string, unknown[]] {
  const params = new SqlParams();
  // In the board's order, so each stream reads its index as the page does (never the table)
  const cap = params.add(BOARD_COUNT_CAP + 1, 'int');
  const selects = streams(scope, units, request, red, params).map((stream) =>
    select(stream, '', cap),
  );
  if (selects.length === 0) return ['SELECT 0 AS n', []];
  return [
    `SELECT count(*)::int AS n FROM (SELECT DISTINCT b.id FROM (${selects.join(' UNION ALL ')}) b) b`,
    params.values,
  ];
}

/**
 * The conditions of a stream's rows after `position`, each an index range: in the same stream,
 * those with the same escalations due later (or without a due time), and those escalated less;
 * a red position leaves the whole non-red stream after it, a non-red one none of the red.
 */
function after(stream: Stream, position: Position | null, params: SqlParams): string[] {
  if (position === null) return [''];
  if (position.red !== stream.red) return stream.red ? [] : [''];
  const escalations = params.add(position.escalations, 'int');
  const id = params.add(position.id, 'uuid');
  const fewer = ` AND l.escalations < ${escalations}`;
  if (position.due === null) {
    return [` AND l.escalations = ${escalations} AND l.due_at IS NULL AND l.id > ${id}`, fewer];
  }
  const due = params.add(position.due, 'timestamptz');
  return [
    ` AND l.escalations = ${escalations} AND (l.due_at, l.id) > (${due}, ${id})`,
    ...(stream.red ? [] : [` AND l.escalations = ${escalations} AND l.due_at IS NULL`]),
    fewer,
  ];
}

function boardCursor(row: KeyRow): string {
  return encodeCursor(['o', row.red ? 1 : 0, row.escalations, row.due_key, row.id]);
}

function boardPosition(cursor: string): Position {
  const key = decodeCursor(cursor, 'o', 5);
  if (key !== null) {
    const [red, escalations, due, id] = key;
    if (
      (red === 0 || red === 1) &&
      isCount(escalations) &&
      (due === null || isMicroInstant(due)) &&
      isUuid(id) &&
      !(red === 1 && due === null)
    ) {
      return { red: red === 1, escalations, due, id };
    }
  }
  throw new BoardCursorError('not a cursor of the overdue board');
}
