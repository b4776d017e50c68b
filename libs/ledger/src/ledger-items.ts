import { type AuditEventInput, appendAudit } from '@app/audit';
import type { EntityManager } from 'typeorm';
import { LedgerException, LedgerExceptionCode } from './ledger.exception.js';
import type {
  LedgerEntryKind,
  LedgerItem,
  LedgerList,
  LedgerSource,
  LedgerState,
} from './ledger.types.js';

/*
 * Items: the one row type and mapper of `ledger_items` (with what the reads join to it), and
 * what every change of an item does — find and lock it, write its entry and its audit event —
 * with the refusals they share. The changes themselves are ledger-transitions.ts,
 * ledger-escalation.ts and ledger-evidence.ts; the reads of many items and the roll-ups are
 * ledger.store.ts.
 */

/** Who is acting: an audit actor (user id, `system:…`). */
export type Actor = string;

export interface ItemRow {
  id: string;
  list: LedgerList;
  source: LedgerSource;
  task_id: string | null;
  instance_id: string | null;
  title: string;
  standard: string | null;
  org_unit_id: string | null;
  responsible: string | null;
  assessing_unit_id: string | null;
  due_at: Date | null;
  state: LedgerState;
  escalations: number;
  escalated_at: Date | null;
  escalated_to: string | null;
  submitted_at: Date | null;
  closed_at: Date | null;
  closed_by: string | null;
  reopened: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  task_assignee: string | null;
  task_state: string | null;
  unit_path: string | null;
  unit_name: string | null;
  assessing_path: string | null;
  assessing_name: string | null;
}

export const ITEM_COLUMNS = `l.id, l.list::text AS list, l.source, l.task_id, l.instance_id, l.title, l.standard,
  l.org_unit_id, l.responsible, l.assessing_unit_id, l.due_at, l.state::text AS state, l.escalations,
  l.escalated_at, l.escalated_to, l.submitted_at, l.closed_at, l.closed_by, l.reopened, l.created_by,
  l.created_at, l.updated_at, t.assignee AS task_assignee, t.state::text AS task_state,
  o.path AS unit_path, o.name AS unit_name, a.path AS assessing_path, a.name AS assessing_name`;

export const ITEM_FROM = `ledger_items l
  LEFT JOIN tasks t ON t.id = l.task_id
  LEFT JOIN org_units o ON o.id = l.org_unit_id
  LEFT JOIN org_units a ON a.id = l.assessing_unit_id`;

export function toItem(row: ItemRow): LedgerItem {
  return {
    id: row.id,
    list: row.list,
    source: row.source,
    taskId: row.task_id,
    instanceId: row.instance_id,
    title: row.title,
    standard: row.standard,
    orgUnitId: row.org_unit_id,
    responsible: row.responsible,
    assessingUnitId: row.assessing_unit_id,
    dueAt: row.due_at,
    state: row.state,
    escalations: row.escalations,
    escalatedAt: row.escalated_at,
    escalatedTo: row.escalated_to,
    submittedAt: row.submitted_at,
    closedAt: row.closed_at,
    closedBy: row.closed_by,
    reopened: row.reopened,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    taskAssignee: row.task_assignee,
    taskState: row.task_state,
    unitPath: row.unit_path,
    unitName: row.unit_name,
    assessingPath: row.assessing_path,
    assessingUnitName: row.assessing_name,
  };
}

/** The item, or LEDGER_ITEM_NOT_FOUND. */
export async function findItem(manager: EntityManager, id: string): Promise<LedgerItem> {
  const [row] = await manager.query<ItemRow[]>(
    `SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} WHERE l.id = $1`,
    [id],
  );
  if (!row) throw notFound(id);
  return toItem(row);
}

/** The item, locked after its audit chain's head (see lockStreams). */
export async function lockItem(manager: EntityManager, id: string): Promise<LedgerItem> {
  await lockStreams(manager, [id]);
  const [row] = await manager.query<{ id: string }[]>(
    `SELECT id FROM ledger_items WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!row) throw notFound(id);
  return findItem(manager, id);
}

/** Writes an entry of the item's history; answers its id. */
export async function writeEntry(
  manager: EntityManager,
  itemId: string,
  kind: LedgerEntryKind,
  actor: Actor,
  note: string | null,
  data: Record<string, unknown>,
  now: number,
): Promise<string> {
  const [row] = await manager.query<{ id: string }[]>(
    `INSERT INTO ledger_entries (item_id, kind, actor, note, data, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [itemId, kind, actor, note, JSON.stringify(data), new Date(now)],
  );
  return row.id;
}

/** Appends an audit event of the item to its stream (ledgerStream). */
export async function auditItem(
  manager: EntityManager,
  item: LedgerItem,
  type: string,
  actor: Actor,
  now: number,
  data: Record<string, unknown>,
): Promise<void> {
  const event: AuditEventInput = {
    type,
    actor,
    instanceId: item.instanceId,
    at: now,
    data: { itemId: item.id, ...data },
  };
  await appendAudit(manager, ledgerStream(item), [event]);
}

/**
 * SQL: the item `alias` (with `due_at` and `created_at`) is due before `at`, counting the grace
 * (`grace`, an interval): its due time and its opening plus the grace are both before `at`
 * (`effectiveDue` in SQL; the first condition alone lets the partial index over due times
 * serve).
 */
export function dueBefore(alias: string, at: string, grace: string): string {
  return `(${alias}.due_at < ${at} AND ${alias}.created_at + ${grace}::interval < ${at})`;
}

/**
 * Locks the heads of the audit chains of these items' streams (their instances', see
 * ledgerStream), in stream order, BEFORE any item row: the order an engine step takes them —
 * the instance's head as the step starts, then the items its batch writes (the approval's 销号
 * of the instance's submitted items, a task's submission). A rejection, a 销号, a bulk 销号 or an
 * escalation that meets a step writing the same items therefore waits for the whole step (or
 * the step for it) instead of the two deadlocking on item → head against head → item, and the
 * step's statements see the item as the other left it: a rejected item stays open, never a
 * closed item with a rejection after it. A head not yet created (an item's own stream before
 * its first event) locks nothing; no step writes such an item.
 */
export async function lockStreams(
  manager: EntityManager,
  itemIds: readonly string[],
): Promise<void> {
  await manager.query(
    `SELECT s.stream FROM audit_streams s
      WHERE s.stream IN (SELECT COALESCE(l.instance_id::text, 'ledger:' || l.id::text)
                           FROM ledger_items l WHERE l.id = ANY($1::uuid[]))
      ORDER BY s.stream FOR UPDATE OF s`,
    [itemIds],
  );
}

/** The audit stream of an item's changes: its instance's for task items, else its own. */
export function ledgerStream(item: { id: string; instanceId: string | null }): string {
  return item.instanceId ?? `ledger:${item.id}`;
}

const VERBS: Record<LedgerEntryKind, string> = {
  opened: '新建',
  progress: '报告进展',
  submitted: '提交',
  rejected: '退回',
  closed: '销号',
  reopened: '重新打开（回头看）',
  escalated: '督办',
  cancelled: '取消',
};

/** A ledger item's state as a person reads it (台账 wording). */
const STATE_NAMES: Record<LedgerState, string> = {
  open: '待办',
  in_progress: '办理中',
  submitted: '已提交',
  closed: '已销号',
  cancelled: '已取消',
};

export function verbOf(kind: LedgerEntryKind): string {
  return VERBS[kind];
}

export function expectState(item: LedgerItem, from: readonly LedgerState[], verb: string): void {
  if (!from.includes(item.state)) throw wrongState(item, verb, from);
}

export function wrongState(
  item: LedgerItem,
  verb: string,
  from?: readonly LedgerState[],
): LedgerException {
  const expected = from
    ? `（只有${from.map((state) => `「${STATE_NAMES[state]}」`).join('或')}的事项可以${verb}）`
    : '';
  return new LedgerException(
    LedgerExceptionCode.WRONG_STATE,
    `该台账事项当前为「${STATE_NAMES[item.state]}」，不能${verb}${expected}`,
    { state: item.state },
  );
}

export function notFound(_id: string): LedgerException {
  return new LedgerException(LedgerExceptionCode.ITEM_NOT_FOUND, '未找到该台账事项');
}

export function required(text: string | null | undefined, field: string, message: string): string {
  const value = text?.trim() ?? '';
  if (value === '') {
    throw new LedgerException(
      field === 'reason' ? LedgerExceptionCode.REASON_REQUIRED : LedgerExceptionCode.INVALID_INPUT,
      `${field} 不能为空：${message}`,
      [{ field, message: `${field} 不能为空` }],
    );
  }
  return value;
}
