import { GENESIS_HASH } from '@app/audit';
import type { InstanceState } from '@app/engine';
import type pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { rootVariables } from './effects-projection.js';
import type { CompleteTaskOptions, LockedTask } from './instance-runtime.types.js';
import { RuntimeException, RuntimeExceptionCode } from './runtime.exception.js';
import { StepTransaction } from './step-transaction.js';

/*
 * Load and lock: how a step finds and locks its instance (through a task or timer row, or a
 * batch of due timers), and what the locked rows say of the task a completion is for.
 */

export interface InstanceRow {
  id: string;
  template_key: string;
  version: number;
  business_key: string | null;
  org_unit_id: string | null;
  engine_state: InstanceState;
  started_by: string;
  created_at: Date;
  revision: number;
  audit_seq: number;
  audit_hash: string;
  /** The task or timer the lock went through, when it went through one. */
  target_id?: string;
  target_key?: string;
  target_state?: string;
  target_kind?: 'user' | 'service';
  target_claimed_by?: string | null;
  target_form_key?: string | null;
  target_assignee?: string | null;
  target_candidate_groups?: string[];
  target_candidate_users?: string[];
}

/** A due timer as CLAIM_DUE_TIMERS_SQL locks it, with its instance. */
export interface ClaimedTimerRow extends InstanceRow {
  timer_id: string;
}

/** What the step's transaction locks: the instance row, through a task or timer row or not. */
export type LockTarget =
  | { readonly kind: 'instance'; readonly id: string }
  | { readonly kind: 'task'; readonly id: string }
  | { readonly kind: 'timer'; readonly id: string };

const LOCKED_COLUMNS = `p.id, p.template_key, p.version, p.business_key, p.org_unit_id, p.engine_state,
  p.started_by, p.created_at, p.revision, s.seq AS audit_seq, s.hash AS audit_hash`;

/**
 * One statement locks the instance row, the row the step goes through (a task, a timer) and
 * the head of the instance's audit chain, in that order (every other writer of a task row or
 * a chain head locks task before head, and none locks the instance, so no cycle).
 *
 * The mode is FOR NO KEY UPDATE — the lock an UPDATE of the row takes, exclusive against every
 * other step of the instance (and against FOR UPDATE / FOR SHARE) — not FOR UPDATE, which
 * would also block the FOR KEY SHARE that PostgreSQL's foreign-key checks take on the instance
 * row: a reminder or an escalation that holds a task row and inserts a notification naming
 * the instance would then wait for the step while the step waits for the task row (deadlock).
 */
const LOCK_SQL: Record<LockTarget['kind'], string> = {
  instance: `SELECT ${LOCKED_COLUMNS}
      FROM process_instances p JOIN audit_streams s ON s.stream = p.id::text
     WHERE p.id = $1 FOR NO KEY UPDATE OF p, s`,
  task: `SELECT ${LOCKED_COLUMNS}, t.id AS target_id, t.engine_key AS target_key, t.state AS target_state,
         t.kind AS target_kind, t.claimed_by AS target_claimed_by, t.form_key AS target_form_key,
         t.assignee AS target_assignee, t.candidate_groups AS target_candidate_groups,
         t.candidate_users AS target_candidate_users
      FROM process_instances p JOIN tasks t ON t.instance_id = p.id
      JOIN audit_streams s ON s.stream = p.id::text
     WHERE t.id = $1 FOR NO KEY UPDATE OF p, t, s`,
  timer: `SELECT ${LOCKED_COLUMNS}, m.engine_key AS target_key, m.state AS target_state
      FROM process_instances p JOIN timers m ON m.instance_id = p.id
      JOIN audit_streams s ON s.stream = p.id::text
     WHERE m.id = $1 FOR NO KEY UPDATE OF p, m, s`,
};

/**
 * Claims a batch of due timers with their instances and audit heads (see fireDueTimers): one
 * statement, through the partial index of scheduled timers by due time, skipping every row
 * another transaction holds — a batch of another worker, a step of one of the instances — so
 * several workers claim disjoint batches and never wait for each other. `$3`: timers this
 * caller already gave up on.
 *
 * The timers are chosen and locked first, on their own narrow rows, earliest due first, in the
 * index's order — the scan stops at the batch's size instead of reading and sorting every due
 * timer (12 ms a claim with 10,000 due at once) — and only those are joined to their
 * instances: sorting the join of every due timer carried each instance's engine state through
 * the sort, 110–170 ms a claim. The instances and chain heads are then locked in instance id
 * order. A timer whose instance or chain head is held elsewhere stays locked, unfired, until
 * this transaction ends (nothing here ever waits, so that cannot deadlock).
 */
export const CLAIM_DUE_TIMERS_SQL = `WITH due AS MATERIALIZED (
       SELECT m.id, m.instance_id, m.due_at, m.engine_key, m.state FROM timers m
        WHERE m.state = 'scheduled' AND m.due_at <= $1 AND m.id <> ALL ($3::uuid[])
        ORDER BY m.due_at LIMIT $2
        FOR NO KEY UPDATE SKIP LOCKED)
     SELECT ${LOCKED_COLUMNS}, m.id AS timer_id, m.engine_key AS target_key,
         m.state AS target_state
      FROM due m JOIN process_instances p ON p.id = m.instance_id
      JOIN audit_streams s ON s.stream = p.id::text
     ORDER BY p.id, m.due_at, m.id
     FOR NO KEY UPDATE OF p, s SKIP LOCKED`;

/** Where a target's instance id is, when the lock finds no row. */
const INSTANCE_OF_SQL: Record<LockTarget['kind'], string> = {
  instance: `SELECT id AS instance_id FROM process_instances WHERE id = $1`,
  task: `SELECT instance_id FROM tasks WHERE id = $1`,
  timer: `SELECT instance_id FROM timers WHERE id = $1`,
};

// `state::text`: through the instance's index, never by scanning a partial index of every open
// task (which `state = 'open'` would allow the planner to pick).
export const OPEN_TASKS_SQL = `SELECT id, kind, engine_key, element_id, name, assignee, candidate_groups,
    candidate_users, due_at, claimed_by, created_at
   FROM tasks WHERE instance_id = $1 AND state::text = 'open'`;

/**
 * One step's transaction on a connection of its own, in two round trips: `BEGIN` and the
 * statement that locks the target's instance row go in one message, the step's writes and
 * `COMMIT` in another (see StepTransaction). An instance without a chain head (its rows
 * written by hand) gets one first.
 */
export async function lockedStep<T>(
  dataSource: DataSource,
  target: LockTarget,
  work: (tx: StepTransaction, row: InstanceRow | undefined) => Promise<T> | T,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as pg.PoolClient;
  const tx = new StepTransaction(client, runner.manager);
  try {
    let [row] = await tx.begin<InstanceRow>(LOCK_SQL[target.kind], [target.id]);
    if (!row) {
      const [owner] = await tx.manager.query<{ instance_id: string }[]>(
        INSTANCE_OF_SQL[target.kind],
        [target.id],
      );
      if (owner) {
        await tx.manager.query(
          `INSERT INTO audit_streams (stream, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (stream) DO NOTHING`,
          [owner.instance_id, GENESIS_HASH],
        );
        [row] = await tx.manager.query<InstanceRow[]>(LOCK_SQL[target.kind], [target.id]);
      }
    }
    const result = await work(tx, row);
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback();
    throw error;
  } finally {
    await runner.release();
  }
}

/** The task a completion is for, as its locked (or cached) row has it. */
function lockedTask(taskId: string, row: InstanceRow): LockedTask {
  const engineTask =
    row.target_key === undefined ? undefined : row.engine_state.tasks[row.target_key];
  return {
    id: taskId,
    instanceId: row.id,
    kind: row.target_kind ?? 'user',
    state: (row.target_state ?? 'open') as LockedTask['state'],
    claimedBy: row.target_claimed_by ?? null,
    formKey: row.target_form_key ?? null,
    assignee: row.target_assignee ?? null,
    candidateGroups: row.target_candidate_groups ?? [],
    candidateUsers: row.target_candidate_users ?? [],
    orgUnitId: row.org_unit_id,
    elementId: engineTask?.elementId ?? null,
    processRef: engineTask?.processRef ?? null,
  };
}

/** The completion's check (default: the task must be open); refuses by throwing. */
export async function checkTask(
  taskId: string,
  row: InstanceRow,
  options: CompleteTaskOptions,
  manager: EntityManager,
) {
  const task = lockedTask(taskId, row);
  if (options.check) await options.check(task, rootVariables(row.engine_state), manager);
  else if (task.state !== 'open') {
    throw new RuntimeException(
      RuntimeExceptionCode.TASK_NOT_OPEN,
      `该任务已${taskStateText(task.state)}，不能再办理`,
      { state: task.state },
    );
  }
}

/** A task's end in the words of a refusal: 已完成 / 已取消 / 已结束. */
export function taskStateText(state: string | null | undefined): string {
  if (state === 'completed') return '完成';
  if (state === 'cancelled') return '取消';
  return '结束';
}
