import type { AuditEventInput } from '@app/audit';

/**
 * The ledger's part of an engine step (libs/store's effects projection adds these statements
 * to the step's single write batch, so they commit with it): every new user task opens an
 * item (挂账); a completed one is submitted with the completion variables as evidence; a
 * cancelled one is cancelled.
 *
 * The statements run as parts of one `WITH` chain against the snapshot taken before the step
 * (see WriteBatch in libs/store): they read only rows the step does not change (org units,
 * items and tasks as they were), write only ledger rows, and the ids of new items are chosen
 * here, so the audit events can be written in the same batch.
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
  /** The new ledger item's id. */
  readonly itemId: string;
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

  if (created.length > 0) {
    writes.push({
      sql: `INSERT INTO ledger_items (id, list, source, task_id, instance_id, title, standard, org_unit_id,
          responsible, assessing_unit_id, due_at, state, submitted_at, created_by, created_at, updated_at)
        SELECT n.id, 'task', 'task', n.task_id, $1::uuid, n.title, n.standard, $2::text, n.responsible,
               (SELECT o.parent_id FROM org_units o WHERE o.id = $2::text), n.due_at,
               n.state::ledger_state, n.submitted_at, $3, $4::timestamptz, $4::timestamptz
          FROM unnest($5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::timestamptz[],
                      $11::text[], $12::timestamptz[])
               AS n (id, task_id, title, standard, responsible, due_at, state, submitted_at)`,
      params: [
        ctx.instanceId,
        ctx.orgUnitId,
        ctx.actor,
        at,
        created.map((task) => task.itemId),
        created.map((task) => task.taskId),
        created.map((task) => task.title),
        created.map((task) => task.standard),
        created.map((task) => task.responsible),
        created.map((task) => (task.dueAt === null ? null : new Date(task.dueAt))),
        created.map((task) => itemState(task.ended)),
        created.map((task) => (task.ended?.state === 'completed' ? at : null)),
      ],
    });
    const entries: { itemId: string; kind: string; data: object }[] = [];
    for (const task of created) {
      entries.push({ itemId: task.itemId, kind: 'opened', data: { taskId: task.taskId } });
      event('ledger.opened', task.elementId, {
        itemId: task.itemId,
        taskId: task.taskId,
        list: 'task',
      });
      if (task.ended) {
        const kind = itemState(task.ended);
        entries.push({ itemId: task.itemId, kind, data: entryData(task.taskId, task.ended) });
        event(`ledger.${kind}`, task.elementId, {
          itemId: task.itemId,
          taskId: task.taskId,
          by: 'task',
        });
      }
    }
    writes.push({
      sql: `INSERT INTO ledger_entries (item_id, kind, actor, data, at)
        SELECT e.item_id, e.kind::ledger_entry_kind, $1, e.data, $2::timestamptz
          FROM unnest($3::uuid[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS e (item_id, kind, data, n)
         ORDER BY e.n`,
      params: [
        ctx.actor,
        at,
        entries.map((entry) => entry.itemId),
        entries.map((entry) => entry.kind),
        entries.map((entry) => JSON.stringify(entry.data)),
      ],
    });
  }

  if (ended.length > 0) {
    // The item of a task that was open is open or in progress: the API refuses to submit or
    // close it while its task is open, so the update below always finds it.
    const keys = ended.map((task) => task.engineKey);
    const states = ended.map((task) => task.state);
    writes.push({
      sql: `UPDATE ledger_items l
           SET state = (CASE WHEN e.task_state = 'completed' THEN 'submitted' ELSE 'cancelled' END)::ledger_state,
               submitted_at = CASE WHEN e.task_state = 'completed' THEN $2::timestamptz ELSE l.submitted_at END,
               updated_at = $2::timestamptz
          FROM tasks t JOIN unnest($3::text[], $4::text[]) AS e (engine_key, task_state)
            ON e.engine_key = t.engine_key
         WHERE t.instance_id = $1::uuid AND l.task_id = t.id AND l.state IN ('open', 'in_progress')`,
      params: [ctx.instanceId, at, keys, states],
    });
    writes.push({
      sql: `INSERT INTO ledger_entries (item_id, kind, actor, data, at)
        SELECT l.id, (CASE WHEN e.task_state = 'completed' THEN 'submitted' ELSE 'cancelled' END)::ledger_entry_kind,
               $5,
               CASE WHEN e.task_state = 'completed'
                    THEN jsonb_build_object('taskId', t.id, 'evidence', COALESCE(e.variables, '{}'::jsonb))
                    ELSE jsonb_build_object('taskId', t.id) END,
               $2::timestamptz
          FROM ledger_items l JOIN tasks t ON t.id = l.task_id
          JOIN unnest($3::text[], $4::text[], $6::jsonb[]) WITH ORDINALITY AS e (engine_key, task_state, variables, n)
            ON e.engine_key = t.engine_key
         WHERE t.instance_id = $1::uuid AND l.state IN ('open', 'in_progress')
         ORDER BY e.n`,
      params: [
        ctx.instanceId,
        at,
        keys,
        states,
        ctx.actor,
        ended.map((task) => (task.variables == null ? null : JSON.stringify(task.variables))),
      ],
    });
    for (const task of ended) {
      event(`ledger.${itemState(task)}`, task.elementId, { taskKey: task.engineKey, by: 'task' });
    }
  }
  return { writes, audit };
}

function itemState(ended: EndedTask | null): 'open' | 'submitted' | 'cancelled' {
  if (ended === null) return 'open';
  return ended.state === 'completed' ? 'submitted' : 'cancelled';
}

function entryData(taskId: string, ended: EndedTask): object {
  return ended.state === 'completed' ? { taskId, evidence: ended.variables ?? {} } : { taskId };
}
