import type { AuditEventInput } from '@app/audit';
import type { EntityManager } from 'typeorm';

/**
 * The ledger's part of an engine step (called from libs/store's effects projection, inside the
 * step's transaction): every new user task opens an item (挂账), a completed one is submitted
 * with the completion variables as evidence, a cancelled one is cancelled.
 */
export interface LedgerStepContext {
  readonly instanceId: string;
  readonly actor: string;
  readonly now: number;
}

export interface OpenedUserTask {
  /** The tasks row id. */
  readonly id: string;
  readonly elementId: string;
  /** The 工作标准: the element's documentation (null when it has none). */
  readonly standard: string | null;
}

export interface EndedUserTask {
  readonly engineKey: string;
  readonly state: 'completed' | 'cancelled';
  readonly variables: unknown;
}

/**
 * Wraps the step's `INSERT INTO tasks … VALUES …` (without RETURNING) so that the same
 * statement also opens one ledger item per new user task and writes its `opened` entry: no
 * extra round trip. The item's unit is the instance's org unit, its assessing unit that unit's
 * parent; responsible = the assignee, else the candidate users and groups joined. The rows it
 * returns feed `ledgerOpenedEvents`.
 */
export function withLedgerOpening(
  insertTasks: string,
  values: readonly unknown[],
  opened: readonly OpenedUserTask[],
  ctx: LedgerStepContext,
): { sql: string; values: unknown[] } {
  if (opened.length === 0) return { sql: insertTasks, values: [...values] };
  const n = values.length;
  const [instance, ids, standards, actor, now] = [1, 2, 3, 4, 5].map((k) => `$${n + k}`);
  return {
    sql: `WITH new_tasks AS (${insertTasks}
        RETURNING id, name, element_id, assignee, candidate_groups, candidate_users, due_at),
      unit AS (
        SELECT p.org_unit_id, o.parent_id FROM process_instances p
          LEFT JOIN org_units o ON o.id = p.org_unit_id WHERE p.id = ${instance}::uuid),
      items AS (
        INSERT INTO ledger_items (list, source, task_id, instance_id, title, standard, org_unit_id,
          responsible, assessing_unit_id, due_at, created_by, created_at, updated_at)
        SELECT 'task', 'task', t.id, ${instance}::uuid, COALESCE(t.name, t.element_id), s.standard,
               unit.org_unit_id,
               COALESCE(t.assignee, NULLIF(array_to_string(t.candidate_users || t.candidate_groups, ','), '')),
               unit.parent_id, t.due_at, ${actor}, ${now}, ${now}
          FROM new_tasks t
          JOIN unnest(${ids}::uuid[], ${standards}::text[]) AS s (task_id, standard) ON s.task_id = t.id
          LEFT JOIN unit ON TRUE
        RETURNING id, task_id),
      entries AS (
        INSERT INTO ledger_entries (item_id, kind, actor, data, at)
        SELECT id, 'opened', ${actor}, jsonb_build_object('taskId', task_id), ${now} FROM items)
      SELECT id, task_id FROM items`,
    values: [
      ...values,
      ctx.instanceId,
      opened.map((task) => task.id),
      opened.map((task) => task.standard),
      ctx.actor,
      new Date(ctx.now),
    ],
  };
}

/** The `ledger.opened` audit events for the rows `withLedgerOpening`'s statement returned. */
export function ledgerOpenedEvents(
  rows: readonly { id: string; task_id: string }[],
  opened: readonly OpenedUserTask[],
  ctx: LedgerStepContext,
): AuditEventInput[] {
  const elements = new Map(opened.map((task) => [task.id, task.elementId]));
  return rows.map((row) => ({
    type: 'ledger.opened',
    actor: ctx.actor,
    instanceId: ctx.instanceId,
    elementId: elements.get(row.task_id) ?? null,
    data: { itemId: row.id, taskId: row.task_id, list: 'task' },
    at: ctx.now,
  }));
}

/**
 * A completed user task submits its item (evidence: the completion variables); a cancelled
 * one cancels it. One statement for all of a step's ended user tasks; only items still open or
 * in progress move, so a step applied twice has one effect. Returns the audit events.
 */
export async function projectLedgerEndings(
  manager: EntityManager,
  ended: readonly EndedUserTask[],
  ctx: LedgerStepContext,
): Promise<AuditEventInput[]> {
  if (ended.length === 0) return [];
  const rows = await manager.query<
    { id: string; task_id: string; state: string; element_id: string }[]
  >(
    `WITH ended AS (
       SELECT * FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS e (engine_key, task_state, variables)),
     items AS (
       UPDATE ledger_items l
          SET state = (CASE WHEN e.task_state = 'completed' THEN 'submitted' ELSE 'cancelled' END)::ledger_state,
              submitted_at = CASE WHEN e.task_state = 'completed' THEN $5 ELSE l.submitted_at END,
              updated_at = $5
         FROM tasks t JOIN ended e ON e.engine_key = t.engine_key
        WHERE t.instance_id = $1 AND l.task_id = t.id AND l.state IN ('open', 'in_progress')
       RETURNING l.id, l.task_id, l.state::text AS state, t.element_id, e.variables),
     entries AS (
       INSERT INTO ledger_entries (item_id, kind, actor, data, at)
       SELECT id, state::ledger_entry_kind, $6,
              CASE WHEN state = 'submitted'
                   THEN jsonb_build_object('taskId', task_id, 'evidence', COALESCE(variables, '{}'::jsonb))
                   ELSE jsonb_build_object('taskId', task_id) END,
              $5
         FROM items)
     SELECT id, task_id, state, element_id FROM items`,
    [
      ctx.instanceId,
      ended.map((task) => task.engineKey),
      ended.map((task) => task.state),
      ended.map((task) => (task.variables == null ? null : JSON.stringify(task.variables))),
      new Date(ctx.now),
      ctx.actor,
    ],
  );
  return rows.map((row) => ({
    type: row.state === 'submitted' ? 'ledger.submitted' : 'ledger.cancelled',
    actor: ctx.actor,
    instanceId: ctx.instanceId,
    elementId: row.element_id,
    data: { itemId: row.id, taskId: row.task_id, by: 'task' },
    at: ctx.now,
  }));
}

/** The shape of the engine's task effects this module reads (kept structural: no engine import). */
type TaskEffectLike =
  | {
      readonly type: 'task.completed';
      readonly task: { readonly key: string; readonly kind: string };
      readonly variables: unknown;
    }
  | {
      readonly type: 'task.cancelled';
      readonly task: { readonly key: string; readonly kind: string };
    }
  | { readonly type: string };

/** The user tasks a step completed or cancelled, in effect order. */
export function endedUserTasks(effects: readonly TaskEffectLike[]): EndedUserTask[] {
  const ended: EndedUserTask[] = [];
  for (const effect of effects) {
    if (effect.type !== 'task.completed' && effect.type !== 'task.cancelled') continue;
    const { task } = effect as { task: { key: string; kind: string } };
    if (task.kind !== 'user') continue;
    ended.push({
      engineKey: task.key,
      state: effect.type === 'task.completed' ? 'completed' : 'cancelled',
      variables:
        effect.type === 'task.completed' ? (effect as { variables: unknown }).variables : null,
    });
  }
  return ended;
}
