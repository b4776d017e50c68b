import { type AuditEventInput, GENESIS_HASH, auditRowsInsert, chainAudit } from '@app/audit';
import {
  type Command,
  type EngineContext,
  EngineException,
  EngineExceptionCode,
  type InstanceState,
  type ProcessRegistry,
  type StartCommand,
  type StepResult,
  displayState,
  step,
} from '@app/engine';
import type { OutboxRow } from '@app/queue';
import { projectEffects, rootVariables, withTaskNames } from './effects-projection.js';
import { type InstanceRow, OPEN_TASKS_SQL } from './instance-lock.js';
import type { InstanceSummary, StepOptions } from './instance-runtime.types.js';
import type { OpenTaskRow, ProjectedTask, TaskListingRow } from './tasks.repository.js';
import { AUDIT_EVENT_ROWS, addAuditHead, addInstanceUpdate, addOutbox } from './instance-write.js';
import { RuntimeException, RuntimeExceptionCode } from './runtime.exception.js';
import type { StepProjector } from './step-projector.js';
import { WriteBatch } from './write-batch.js';

/*
 * Plan: the engine step run in memory on an instance as its locked (or cached) row has it,
 * and every write it implies gathered in one WriteBatch — nothing here touches the database.
 */

/**
 * What a completion from the cache expects of the rows it writes: the instance at the cached
 * revision (every step bumps it), the task open with the same claim, the audit head at the
 * cached seq. Each is a condition of the step's own UPDATE of that row, and the statement
 * fails (WriteBatch.expectOne) unless each UPDATE changed its row — the instance, the task,
 * the audit head, in this order, before any other write, as LOCK_SQL.task locks them. An
 * UPDATE compares the row as it locks it: a row another transaction changed meanwhile is
 * re-read once that one ends.
 */
export interface Expected {
  readonly revision: number;
  readonly auditSeq: number;
  readonly task: { readonly id: string; readonly key: string; readonly claimedBy: string | null };
}

export interface Written {
  readonly summary: InstanceSummary;
  readonly outbox: OutboxRow[];
}

/** What a step changed that the cache keeps (see remember). */
export interface StepMark {
  readonly head: { readonly seq: number; readonly hash: string };
  readonly endedTaskKeys: readonly string[];
  readonly createdTasks: readonly ProjectedTask[];
}

export type InstanceCommand = Exclude<Command, StartCommand>;

/** What a plan needs of its runtime. */
export interface StepSettings {
  readonly context: EngineContext;
  readonly timeZone: string;
  readonly registry: ProcessRegistry;
  readonly reminderOffsets: readonly string[];
  readonly projectors: readonly StepProjector[];
}

/** A planned step: no batch when it changed nothing. */
export type PlannedStep =
  | { readonly summary: InstanceSummary; readonly batch: null }
  | {
      readonly summary: InstanceSummary;
      readonly batch: WriteBatch;
      /** The length of the new state's JSON (what the cache counts). */
      readonly bytes: number;
      /** Reads the batch's answer. */
      readonly finish: (out: Record<string, unknown[]>) => Written & StepMark;
    };

/**
 * Runs the engine step on an instance as `row` has it at `now` and builds every write it
 * implies (no batch when the step changed nothing); `finish` reads the batch's answer.
 */
export function planStep(
  settings: StepSettings,
  row: InstanceRow,
  command: InstanceCommand,
  actor: string,
  options: StepOptions,
  now: number,
  expected?: Expected,
): PlannedStep {
  const result = engine(() => step(settings.context, row.engine_state, command, now));
  const summary: InstanceSummary = {
    id: row.id,
    templateKey: row.template_key,
    version: row.version,
    businessKey: row.business_key,
    orgUnitId: row.org_unit_id,
    state: displayState(result.state),
    engineState: result.state,
    startedBy: row.started_by,
    createdAt: row.created_at,
    updatedAt: new Date(now),
    endedAt: result.state.endedAt === null ? null : new Date(result.state.endedAt),
    variables: rootVariables(result.state),
  };
  if (result.effects.length === 0) {
    return { summary, batch: null };
  }
  const batch = new WriteBatch();
  const stateJson = JSON.stringify(result.state);
  addInstanceUpdate(batch, row.id, result.state, stateJson, now, expected?.revision);
  // The open tasks after the step are the engine's; only those it did not create in this
  // step need their rows read (ids, claims) — none in a sequence of single tasks.
  const created = new Set(
    result.effects.flatMap((effect) => (effect.type === 'task.created' ? [effect.task.key] : [])),
  );
  const readBefore =
    options.openTasks === true && Object.keys(result.state.tasks).some((key) => !created.has(key));
  if (readBefore) batch.read(OPEN_TASKS_SQL, [row.id], 'open_tasks');
  const extra: AuditEventInput[] =
    command.type === 'cancel'
      ? [
          {
            type: 'instance.cancelled',
            actor,
            instanceId: row.id,
            elementId: null,
            at: now,
            data: command.reason ? { reason: command.reason } : {},
          },
        ]
      : [];
  const written = addStepEffects(
    settings,
    batch,
    summary,
    result,
    actor,
    now,
    { seq: row.audit_seq, hash: row.audit_hash },
    extra,
    expected,
  );
  return {
    summary,
    batch,
    bytes: stateJson.length,
    finish: (out) =>
      written(
        out,
        !options.openTasks ? null : readBefore ? (out.open_tasks as TaskListingRow[]) : [],
      ),
  };
}

/**
 * Adds the step's projected rows, audit events (chained onto `head`, or a new chain when
 * null) and outbox jobs to the batch; returns how to read the result once it ran.
 */
export function addStepEffects(
  settings: StepSettings,
  batch: WriteBatch,
  summary: InstanceSummary,
  result: StepResult,
  actor: string,
  now: number,
  head: { seq: number; hash: string } | null,
  leading: readonly AuditEventInput[],
  expected?: Expected,
): (
  out: Record<string, unknown[]>,
  /** The open task rows before the step, when the result lists open tasks (else null). */
  before: TaskListingRow[] | null,
) => Written & StepMark {
  const projection = projectEffects(batch, result.effects, {
    instanceId: summary.id,
    actor,
    now,
    zone: settings.timeZone,
    registry: settings.registry,
    reminderOffsets: settings.reminderOffsets,
    projectors: settings.projectors,
    orgUnitId: summary.orgUnitId,
    templateKey: summary.templateKey,
    expectedTask: expected?.task,
  });
  const events = [...leading, ...projection.audit];
  let newHead = head ?? { seq: 0, hash: GENESIS_HASH };
  if (events.length > 0) {
    const chained = chainAudit(summary.id, newHead, events);
    newHead = chained.head;
    const insert = auditRowsInsert(chained.rows);
    batch.add(insert.sql, insert.params, undefined, AUDIT_EVENT_ROWS);
    addAuditHead(
      batch,
      summary.id,
      chained.head,
      head === null ? null : { expectedSeq: expected?.auditSeq },
    );
  }
  addOutbox(batch, projection.jobs);
  return (out, before) => {
    const outbox = ((out.outbox ?? []) as OutboxRow[]).map((row) => ({
      ...row,
      id: String(row.id),
      not_before: new Date(row.not_before),
    }));
    const createdTasks = withTaskNames(projection.createdTasks, out);
    const mark: StepMark = {
      head: newHead,
      endedTaskKeys: projection.endedTaskKeys,
      createdTasks,
    };
    if (before === null) return { summary, outbox, ...mark };
    const ended = new Set(projection.endedTaskKeys);
    const open = new Map<string, TaskListingRow>();
    for (const task of before ?? []) {
      if (!ended.has(task.engine_key)) open.set(task.id, task);
    }
    for (const task of createdTasks) {
      if (task.state === 'open') open.set(task.id, task);
    }
    return {
      summary: { ...summary, openTasks: sortTasks([...open.values()]) },
      outbox,
      ...mark,
    };
  };
}

/** Open tasks as the instance lists them: creation order, then engine key. */
export function sortTasks(rows: readonly (TaskListingRow | ProjectedTask)[]): OpenTaskRow[] {
  return rows
    .map((row) => ({
      key: row.engine_key,
      createdAt: new Date(row.created_at).getTime(),
      task: {
        id: row.id,
        kind: row.kind,
        element_id: row.element_id,
        name: row.name,
        assignee: row.assignee,
        candidate_groups: row.candidate_groups,
        candidate_users: row.candidate_users,
        due_at: row.due_at === null ? null : new Date(row.due_at),
        claimed_by: row.claimed_by,
      },
    }))
    .sort(
      (a, b) =>
        a.createdAt - b.createdAt ||
        a.key.length - b.key.length ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    )
    .map((entry) => entry.task);
}

export function refsOf(state: InstanceState): string[] {
  const refs = new Set<string>([state.processRef]);
  for (const element of Object.values(state.elements)) refs.add(element.processRef);
  return [...refs];
}

export function engine(action: () => StepResult): StepResult {
  try {
    return action();
  } catch (error) {
    if (error instanceof EngineException) {
      throw new RuntimeException(ENGINE_CODES[error.code], error.message);
    }
    throw error;
  }
}

const ENGINE_CODES: Record<EngineExceptionCode, RuntimeExceptionCode> = {
  [EngineExceptionCode.PROCESS_NOT_FOUND]: RuntimeExceptionCode.TEMPLATE_NOT_FOUND,
  [EngineExceptionCode.INVALID_START]: RuntimeExceptionCode.INVALID_COMMAND,
  [EngineExceptionCode.INSTANCE_NOT_ACTIVE]: RuntimeExceptionCode.INSTANCE_NOT_ACTIVE,
  [EngineExceptionCode.TASK_NOT_FOUND]: RuntimeExceptionCode.TASK_NOT_OPEN,
  [EngineExceptionCode.INCIDENT_NOT_FOUND]: RuntimeExceptionCode.INVALID_COMMAND,
  [EngineExceptionCode.SCOPE_NOT_FOUND]: RuntimeExceptionCode.INVALID_COMMAND,
  [EngineExceptionCode.UNSUPPORTED_STATE]: RuntimeExceptionCode.INVALID_COMMAND,
  [EngineExceptionCode.INVALID_VARIABLES]: RuntimeExceptionCode.INVALID_VARIABLES,
};
