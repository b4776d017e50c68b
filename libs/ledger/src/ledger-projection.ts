import { hash as cryptoHash } from 'node:crypto';
import type { AuditEventInput } from '@app/audit';

/**
 * The ledger's part of an engine step (libs/store's effects projection adds these statements
 * to the step's single write batch, so they commit with it): every new user task opens an
 * item (挂账); a completed one is submitted with the completion variables as evidence; a
 * cancelled one is cancelled.
 *
 * The statements run as parts of one `WITH` chain against the snapshot taken before the step
 * (see WriteBatch in libs/store), and are kept simple to plan (this is on every step's path):
 * a task's item has an id derived from (instance, task engine key) — `taskItemId` — so items
 * are opened, moved and given entries by primary key, with no lookup through the tasks table,
 * and the audit events can be written in the same batch.
 */
export interface LedgerStepContext {
  readonly instanceId: string;
  /** The instance's org unit: the items' responsible unit (its parent assesses them). */
  readonly orgUnitId: string | null;
  readonly actor: string;
  readonly now: number;
}

/** A user task the step created (and perhaps ended in the same step). */
export interface NewUserTask {
  readonly engineKey: string;
  /** The tasks row id. */
  readonly taskId: string;
  readonly elementId: string;
  /** The task's name (the element id when it has none). */
  readonly title: string;
  /** The 工作标准: the element's documentation (null when it has none). */
  readonly standard: string | null;
  /** The assignee, else the candidate users and groups joined. */
  readonly responsible: string | null;
  readonly dueAt: number | null;
  readonly ended: EndedTask | null;
}

export interface EndedTask {
  readonly state: 'completed' | 'cancelled';
  readonly variables: unknown;
}

/** A user task that was open before the step and ended in it. */
export interface EndedUserTask extends EndedTask {
  readonly engineKey: string;
  readonly elementId: string;
}

/** One statement of the batch: SQL with `$1 … $n` and its values. */
export interface LedgerWrite {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * The id of the ledger item of an instance's task: a name-based (version 5) uuid of the
 * instance id and the task's engine key, which are unique together, so the step that ends a
 * task finds its item without reading anything.
 */
export function taskItemId(instanceId: string, engineKey: string): string {
  const hash = cryptoHash(
    'sha1',
    Buffer.concat([ITEM_NAMESPACE, Buffer.from(`${instanceId}/${engineKey}`, 'utf8')]),
    'buffer',
  );
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The uuid namespace of task ledger items (a fixed random uuid, as bytes). */
const ITEM_NAMESPACE = Buffer.from('5c1e0b7e4b5a4f0e9d3a2f6b8c7d1e90', 'hex');

/** The statements and audit events of the ledger for one step. */
export function ledgerStepWrites(
  created: readonly NewUserTask[],
  ended: readonly EndedUserTask[],
  ctx: LedgerStepContext,
): { writes: LedgerWrite[]; audit: AuditEventInput[] } {
  const writes: LedgerWrite[] = [];
  const audit: AuditEventInput[] = [];
  const at = new Date(ctx.now);
  const event = (type: string, elementId: string, data: Record<string, unknown>) =>
    audit.push({
      type,
      actor: ctx.actor,
      instanceId: ctx.instanceId,
      elementId,
      data,
      at: ctx.now,
    });
  const entries: Entry[] = [];

  if (created.length > 0) {
    const params: unknown[] = [ctx.instanceId, ctx.orgUnitId, ctx.actor, at];
    const rows = created.map((task) => {
      const itemId = taskItemId(ctx.instanceId, task.engineKey);
      entries.push({ itemId, kind: 'opened', data: { taskId: task.taskId }, existing: false });
      event('ledger.opened', task.elementId, { itemId, taskId: task.taskId, list: 'task' });
      if (task.ended) {
        const kind = itemState(task.ended);
        entries.push({ itemId, kind, data: entryData(task.taskId, task.ended), existing: false });
        event(`ledger.${kind}`, task.elementId, { itemId, taskId: task.taskId, by: 'task' });
      }
      const values = [
        itemId,
        task.taskId,
        task.title,
        task.standard,
        task.responsible,
        task.dueAt === null ? null : new Date(task.dueAt),
        itemState(task.ended),
        task.ended?.state === 'completed' ? at : null,
        task.ended?.state === 'cancelled' ? at : null,
      ];
      const base = params.length;
      params.push(...values);
      const [id, taskId, title, standard, responsible, due, state, submitted, settled] = values.map(
        (_, i) => `$${base + i + 1}`,
      );
      return `(${id}::uuid, 'task'::ledger_list, 'task', ${taskId}::uuid, $1::uuid, ${title}, ${standard},
        $2::text, ${responsible}, ${due}::timestamptz, ${state}::ledger_state, ${submitted}::timestamptz,
        ${settled}::timestamptz)`;
    });
    writes.push({
      sql: `INSERT INTO ledger_items (id, list, source, task_id, instance_id, title, standard, org_unit_id,
          responsible, due_at, state, submitted_at, settled_at, assessing_unit_id, created_by, created_at,
          updated_at)
        SELECT n.*, (SELECT o.parent_id FROM org_units o WHERE o.id = $2::text), $3, $4::timestamptz,
               $4::timestamptz
          FROM (VALUES ${rows.join(', ')}) AS n`,
      params,
    });
  }

  for (const task of ended) {
    // The item of a task that was open is open or in progress (the API refuses to submit or
    // close it while its task is open); an item that is not (a task from before the ledger)
    // is left alone by both statements.
    const itemId = taskItemId(ctx.instanceId, task.engineKey);
    const state = itemState(task);
    writes.push({
      // A submission sets nothing an index covers (a HOT update, see migration
      // LedgerItemsHotUpdates); a cancellation settles the item.
      sql:
        state === 'submitted'
          ? `UPDATE ledger_items SET state = 'submitted', updated_at = $2::timestamptz, submitted_at = $2::timestamptz
         WHERE id = $1::uuid AND state IN ('open', 'in_progress')`
          : `UPDATE ledger_items SET state = 'cancelled', updated_at = $2::timestamptz, settled_at = $2::timestamptz
         WHERE id = $1::uuid AND state IN ('open', 'in_progress')`,
      params: [itemId, at],
    });
    entries.push({ itemId, kind: state, data: entryData(null, task), existing: true });
    event(`ledger.${state}`, task.elementId, { itemId, taskKey: task.engineKey, by: 'task' });
  }
  if (entries.length > 0) writes.push(entryInsert(entries, ctx, at));
  return { writes, audit };
}

/** An entry of the step; `existing`: of an item opened before the step (a task that ended). */
interface Entry {
  readonly itemId: string;
  readonly kind: string;
  readonly data: object;
  readonly existing: boolean;
}

/**
 * The step's entries, in order, in one statement. Those of `existing` items only for items
 * that were open or in progress before the step (the snapshot the statement sees), as the item
 * update is, with the task id added from the item.
 */
function entryInsert(entries: readonly Entry[], ctx: LedgerStepContext, at: Date): LedgerWrite {
  const params: unknown[] = [ctx.actor, at];
  const rows = entries.map((entry, i) => {
    params.push(entry.itemId, entry.kind, JSON.stringify(entry.data));
    const n = params.length;
    return `($${n - 2}::uuid, $${n - 1}::ledger_entry_kind, $${n}::jsonb, ${entry.existing}, ${i})`;
  });
  const values = `(VALUES ${rows.join(', ')}) AS v (item_id, kind, data, existing, n)`;
  return {
    sql: `INSERT INTO ledger_entries (item_id, kind, actor, data, at)
         SELECT v.item_id, v.kind, $1,
                CASE WHEN v.existing THEN jsonb_build_object('taskId', l.task_id) || v.data ELSE v.data END,
                $2::timestamptz
           FROM ${values}
           LEFT JOIN ledger_items l ON v.existing AND l.id = v.item_id
          WHERE NOT v.existing OR l.state IN ('open', 'in_progress')
          ORDER BY v.n`,
    params,
  };
}

function itemState(ended: EndedTask | null): 'open' | 'submitted' | 'cancelled' {
  if (ended === null) return 'open';
  return ended.state === 'completed' ? 'submitted' : 'cancelled';
}

/** An entry's data: the task (when known) and, for a completion, its variables as evidence. */
function entryData(taskId: string | null, ended: EndedTask): object {
  const task = taskId === null ? {} : { taskId };
  return ended.state === 'completed' ? { ...task, evidence: ended.variables ?? {} } : task;
}
