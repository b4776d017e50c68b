import { hash as cryptoHash } from 'node:crypto';
import type { AuditEventInput } from '@app/audit';
import type {
  EndedTask,
  EndedUserTask,
  NewUserTask,
  ProjectedStep,
  ProjectorWrite,
  StepProjector,
} from '@app/store';

/**
 * The ledger's part of an engine step: a StepProjector (libs/store runs it on every step and
 * adds its statements to the step's single write batch, so they commit with it): every new user
 * task opens an item (挂账); a completed one is submitted with the completion variables as
 * evidence; a cancelled one is cancelled; an approval (`ledger.verifies`) crosses off the
 * instance's submitted items.
 *
 * The statements run as parts of one `WITH` chain against the snapshot taken before the step
 * (see WriteBatch in libs/store), and are kept simple to plan (this is on every step's path):
 * a task's item has an id derived from (instance, task engine key) — `taskItemId` — so items
 * are opened, moved and given entries by primary key, with no lookup through the tasks table,
 * and the audit events can be written in the same batch.
 */
type LedgerStepContext = ProjectedStep;

/** The `zeebe:properties` entry that marks a user task as the approval of its instance's file. */
export const LEDGER_VERIFIES = 'ledger.verifies';
/** The entry naming the completion variable that says "approved" (default `approved`). */
export const LEDGER_APPROVAL = 'ledger.approval';

/**
 * Whether completing a user task with these properties and completion variables crosses off
 * (销号) its instance's submitted items: the task declares `ledger.verifies` = `instance`, and
 * the completion sets the approval variable (`ledger.approval`, default `approved`) to true. A
 * rejection (anything else) leaves every item as it is.
 */
export function verifiesInstance(
  properties: Readonly<Record<string, string>> | undefined,
  variables: unknown,
): boolean {
  if (properties?.[LEDGER_VERIFIES] !== 'instance') return false;
  const name = properties[LEDGER_APPROVAL]?.trim() || 'approved';
  return (
    typeof variables === 'object' &&
    variables !== null &&
    (variables as Record<string, unknown>)[name] === true
  );
}

type LedgerWrite = ProjectorWrite;

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The uuid namespace of task ledger items (a fixed random uuid, as bytes). */
const ITEM_NAMESPACE = Buffer.from('5c1e0b7e4b5a4f0e9d3a2f6b8c7d1e90', 'hex');

/** The ledger as a projector of steps (wired into the store by libs/runtime). */
export const ledgerProjector: StepProjector = {
  name: 'ledger',
  project: ledgerStepWrites,
};

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
      const member = task.forMember && UUID.test(task.forMember) ? task.forMember : null;
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
      const [id, taskId, plain, standard, responsible, due, state, submitted, settled] = values.map(
        (_, i) => `$${base + i + 1}`,
      );
      let title = `${plain}::text`;
      if (member !== null) {
        // 「党员撰写感悟 — 张三」, as the task row is named (no extra statement)
        params.push(member);
        title = `COALESCE(${title} || ' — ' || (SELECT m.name FROM members m WHERE m.id = $${params.length}::uuid), ${title})`;
      }
      return `(${id}::uuid, 'task'::ledger_list, 'task', ${taskId}::uuid, $1::uuid, ${title}, ${standard},
        $2::text, ${responsible}, ${due}::timestamptz, ${state}::ledger_state, ${submitted}::timestamptz,
        ${settled}::timestamptz, org_unit_parent($2::text), $3,
        $4::timestamptz, $4::timestamptz)`;
    });
    // A plain VALUES list: a batch of starts (mergeParts in @app/store) joins the rows of every
    // instance into one list, where an INSERT … SELECT per instance would be joined with UNION
    // ALL — whose planning took seconds for 500 instances
    writes.push({
      sql: `INSERT INTO ledger_items (id, list, source, task_id, instance_id, title, standard, org_unit_id,
          responsible, due_at, state, submitted_at, settled_at, assessing_unit_id, created_by, created_at,
          updated_at) VALUES ${rows.join(', ')}`,
      params,
    });
  }

  // The step's entries are inserted before its updates of existing items: in one WITH chain
  // every part reads the snapshot from before the step anyway, and when the batch is too big
  // for one statement (WriteBatch sends one statement per part, in order) the entries still
  // read the items as they were before the step, so both ways write the same rows.
  const updates: LedgerWrite[] = [];
  const verifying: LedgerWrite[] = [];
  // The items this step opens or ends itself: never among the submitted items an approval in
  // the same step crosses off (in one statement they are not yet visible as submitted; one
  // statement per part would see them)
  const own = [
    ...created.map((task) => taskItemId(ctx.instanceId, task.engineKey)),
    ...ended.map((task) => taskItemId(ctx.instanceId, task.engineKey)),
  ];
  for (const task of ended) {
    // The item of a task that was open is open or in progress (the API refuses to submit or
    // close it while its task is open); an item that is not (a task from before the ledger)
    // is left alone by both statements.
    const itemId = taskItemId(ctx.instanceId, task.engineKey);
    const state = itemState(task);
    if (state === 'submitted' && verifiesInstance(task.properties, task.variables)) {
      verifyInstance(itemId, task, ctx, at, own, { entries: verifying, updates }, event);
      continue;
    }
    updates.push({
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
  writes.push(...verifying, ...updates);
  return { writes, audit };
}

/**
 * The approval of the instance's file (销号 by the task's completion): every item of the
 * instance that is submitted (before the step: the snapshot every part sees) is closed, with a
 * `closed` entry each (the completing user, `by: 'task'`, onTime as the api's 销号 keeps it), and
 * the approving task's own item goes open / in progress → closed with its `submitted` and
 * `closed` entries. Items in progress (a rejected submission) or open stay as they are. One
 * audit event names the approval; the entries name each item.
 */
function verifyInstance(
  itemId: string,
  task: EndedUserTask,
  ctx: LedgerStepContext,
  at: Date,
  own: readonly string[],
  writes: { entries: LedgerWrite[]; updates: LedgerWrite[] },
  event: (type: string, elementId: string, data: Record<string, unknown>) => void,
): void {
  writes.updates.push({
    sql: `UPDATE ledger_items SET state = 'closed', updated_at = $2::timestamptz, submitted_at = $2::timestamptz,
           closed_at = $2::timestamptz, closed_by = $3, settled_at = $2::timestamptz
         WHERE id = $1::uuid AND state IN ('open', 'in_progress')`,
    params: [itemId, at, ctx.actor],
  });
  writes.updates.push({
    sql: `UPDATE ledger_items SET state = 'closed', updated_at = $2::timestamptz, closed_at = $2::timestamptz,
           closed_by = $3, settled_at = $2::timestamptz
         WHERE instance_id = $1::uuid AND state = 'submitted' AND id <> ALL($4::uuid[])`,
    params: [ctx.instanceId, at, ctx.actor, own],
  });
  // The entries, read as the items were before the step (they go before the updates): the
  // approving task's item submitted (now) and closed, then every item that was submitted closed
  writes.entries.push({
    sql: `INSERT INTO ledger_entries (item_id, kind, actor, data, at)
         SELECT e.item_id, e.kind, $3, e.data, $2::timestamptz FROM (
           SELECT l.id AS item_id, 'submitted'::ledger_entry_kind AS kind,
                  jsonb_build_object('taskId', l.task_id) || $6::jsonb AS data, 0 AS n
             FROM ledger_items l WHERE l.id = $5::uuid AND l.state IN ('open', 'in_progress')
           UNION ALL
           SELECT l.id, 'closed'::ledger_entry_kind,
                  jsonb_build_object('by', 'task', 'taskKey', $4::text,
                    'onTime', l.due_at IS NULL OR s.at <= l.due_at, 'submittedAt', s.at),
                  CASE WHEN l.id = $5::uuid THEN 1 ELSE 2 END
             FROM ledger_items l,
                  LATERAL (SELECT CASE WHEN l.id = $5::uuid THEN $2::timestamptz ELSE l.submitted_at END AS at) s
            WHERE l.instance_id = $1::uuid
              AND ((l.state = 'submitted' AND l.id <> ALL($7::uuid[]))
                OR (l.id = $5::uuid AND l.state IN ('open', 'in_progress')))
         ) e ORDER BY e.n, e.item_id`,
    params: [
      ctx.instanceId,
      at,
      ctx.actor,
      task.engineKey,
      itemId,
      JSON.stringify(entryData(null, task)),
      own,
    ],
  });
  event('ledger.submitted', task.elementId, { itemId, taskKey: task.engineKey, by: 'task' });
  event('ledger.closed', task.elementId, {
    itemId,
    taskKey: task.engineKey,
    by: 'task',
    verifies: 'instance',
    scope: `the instance's submitted items`,
  });
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
 * update is, with the task id added from the item. The item is looked up per entry (LATERAL,
 * by its key; the LIMIT keeps the planner from making it a join again): as a join, the
 * statement's generic plan — made once per connection, on the tables as they were then —
 * hashed a sequential scan of every item, a cost that grew with the ledger at every completion.
 */
function entryInsert(entries: readonly Entry[], ctx: LedgerStepContext, at: Date): LedgerWrite {
  const params: unknown[] = [ctx.actor, at];
  if (entries.every((entry) => !entry.existing)) {
    // Entries of items the step opens only (a start): a plain VALUES list, in order, which a
    // batch of starts joins into one list (see the items' insert)
    const rows = entries.map((entry) => {
      params.push(entry.itemId, entry.kind, JSON.stringify(entry.data));
      const n = params.length;
      return `($${n - 2}::uuid, $${n - 1}::ledger_entry_kind, $1, $${n}::jsonb, $2::timestamptz)`;
    });
    return {
      sql: `INSERT INTO ledger_entries (item_id, kind, actor, data, at) VALUES ${rows.join(', ')}`,
      params,
    };
  }
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
           LEFT JOIN LATERAL (
             SELECT i.task_id, i.state FROM ledger_items i WHERE v.existing AND i.id = v.item_id LIMIT 1) l
             ON TRUE
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
