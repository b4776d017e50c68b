import { randomUUID } from 'node:crypto';
import type { AuditEventInput } from '@app/audit';
import { type Effect, type InstanceState, type ProcessRegistry, type Task } from '@app/engine';
import { type OutboxJob, outboxJob } from '@app/queue';
import { parseDuration, subtractDuration } from '@app/time';
import type { EndedUserTask, NewUserTask, StepProjector } from './step-projector.js';
import type { ProjectedTask } from './tasks.repository.js';
import { type RowsForm, type WriteBatch, jsonValue } from './write-batch.js';

/**
 * How far ahead a timer's or a default reminder's job is enqueued when the step writes it: work
 * due later gets no outbox row and no delayed job; the reconciler enqueues it when it comes
 * within the sweep's horizon (timers and reminders are found in PostgreSQL, whose rows are the
 * truth). A month's kick-off thus puts no job in Redis for its month-end timers and its
 * reminders days ahead (three or four per instance, for weeks), and writes and delivers no
 * outbox row for them.
 */
export const JOBS_AHEAD_MS = 10 * 60_000;

export interface ProjectionContext {
  readonly instanceId: string;
  readonly actor: string;
  readonly now: number;
  readonly zone: string;
  readonly registry: ProcessRegistry;
  /** Offsets before a task's due date at which default reminders fire (ISO durations). */
  readonly reminderOffsets: readonly string[];
  /** The instance's org unit (the ledger items' responsible unit; its tasks' too). */
  readonly orgUnitId: string | null;
  /** The instance's template key (its tasks', for the task list). */
  readonly templateKey: string;
  /** What else each step is projected onto, in order (the ledger: libs/runtime wires it). */
  readonly projectors: readonly StepProjector[];
  /**
   * A task row the step must find open with this claim: the UPDATE that ends it is expected
   * to change one row (WriteBatch.expectOne), else the statement fails.
   */
  readonly expectedTask?: {
    readonly id: string;
    readonly key: string;
    readonly claimedBy: string | null;
  };
}

export interface Projection {
  readonly audit: AuditEventInput[];
  readonly jobs: OutboxJob[];
  /** Task rows inserted by this step. */
  readonly createdTasks: ProjectedTask[];
  /** Engine keys of tasks that were open before this step and ended in it. */
  readonly endedTaskKeys: string[];
}

/**
 * Adds to the step's write batch the rows that mirror one step's effects — tasks, timers —
 * and returns the audit events and outbox jobs that go with them. Every write is keyed by
 * (instance, engine key), so the rows always agree with the engine state written in the same
 * transaction.
 */
export function projectEffects(
  batch: WriteBatch,
  effects: readonly Effect[],
  ctx: ProjectionContext,
): Projection {
  const audit: AuditEventInput[] = [];
  const jobs: OutboxJob[] = [];
  const newTasks: { id: string; task: Task; remindersModelled: boolean }[] = [];
  const newTimers: { id: string; effect: Extract<Effect, { type: 'timer.scheduled' }> }[] = [];
  const endedTasks = new Map<
    string,
    {
      state: 'completed' | 'cancelled';
      variables: unknown;
      kind: Task['kind'];
      elementId: string;
      processRef: string;
    }
  >();
  /** How each task created by this step ended in it, if it did (by task row id). */
  const endedNew = new Map<string, { state: 'completed' | 'cancelled'; variables: unknown }>();
  const endedTimers = new Map<string, 'fired' | 'cancelled'>();
  const event = (type: string, elementId: string | null, data: Record<string, unknown> = {}) =>
    audit.push({
      type,
      actor: ctx.actor,
      instanceId: ctx.instanceId,
      elementId,
      data,
      at: ctx.now,
    });

  for (const effect of effects) {
    switch (effect.type) {
      case 'element.activated':
      case 'element.completed':
      case 'element.terminated':
        event(effect.type, effect.elementId, {
          bpmnType: effect.bpmnType,
          key: effect.elementInstanceKey,
        });
        break;
      case 'task.created': {
        const id = randomUUID();
        const node = elementOf(ctx, effect.task);
        const remindersModelled =
          !!node && 'boundaryEvents' in node && node.boundaryEvents.length > 0;
        newTasks.push({ id, task: effect.task, remindersModelled });
        event('task.created', effect.task.elementId, {
          taskId: id,
          kind: effect.task.kind,
          name: effect.task.name,
          assignee: effect.task.assignee,
          candidateGroups: effect.task.candidateGroups,
          dueAt: effect.task.dueAt === null ? null : new Date(effect.task.dueAt).toISOString(),
        });
        if (effect.task.kind === 'service') {
          jobs.push(
            outboxJob('run-job', `job-${id}`, { instanceId: ctx.instanceId, taskId: id }, ctx.now),
          );
        } else if (effect.task.dueAt !== null && !remindersModelled) {
          for (const offset of ctx.reminderOffsets) {
            const at = subtractDuration(effect.task.dueAt, parseDuration(offset), ctx.zone);
            if (at > ctx.now && at <= ctx.now + JOBS_AHEAD_MS) {
              jobs.push(
                outboxJob('task-reminder', `reminder-${id}-${offset}`, { taskId: id, offset }, at),
              );
            }
          }
        }
        break;
      }
      case 'task.completed':
        endedTasks.set(effect.task.key, {
          state: 'completed',
          variables: effect.variables,
          kind: effect.task.kind,
          elementId: effect.task.elementId,
          processRef: effect.task.processRef,
        });
        event('task.completed', effect.task.elementId, {
          taskKey: effect.task.key,
          variables: effect.variables,
        });
        break;
      case 'task.cancelled':
        endedTasks.set(effect.task.key, {
          state: 'cancelled',
          variables: null,
          kind: effect.task.kind,
          elementId: effect.task.elementId,
          processRef: effect.task.processRef,
        });
        event('task.cancelled', effect.task.elementId, { taskKey: effect.task.key });
        break;
      case 'timer.scheduled': {
        const id = randomUUID();
        newTimers.push({ id, effect });
        if (effect.timer.dueAt <= ctx.now + JOBS_AHEAD_MS) {
          jobs.push(
            outboxJob(
              'fire-timer',
              `timer-${id}`,
              { instanceId: ctx.instanceId, timerId: id },
              effect.timer.dueAt,
            ),
          );
        }
        break;
      }
      case 'timer.fired':
        endedTimers.set(effect.timer.key, 'fired');
        event('timer.fired', effect.timer.elementId, {
          purpose: effect.timer.purpose,
          dueAt: new Date(effect.timer.dueAt).toISOString(),
        });
        break;
      case 'timer.cancelled':
        endedTimers.set(effect.timer.key, 'cancelled');
        break;
      case 'incident.created':
        event('incident.created', effect.incident.elementId, { message: effect.incident.message });
        break;
      case 'incident.resolved':
        event('incident.resolved', effect.incident.elementId, { message: effect.incident.message });
        break;
      case 'instance.completed':
        event('instance.completed', null);
        break;
      case 'instance.terminated':
        event('instance.terminated', null);
        break;
      case 'variables.set':
        break;
    }
  }

  // A task or timer created and ended within the same step is inserted already ended.
  const createdTasks: ProjectedTask[] = [];
  if (newTasks.length > 0) {
    const values: unknown[] = [];
    let named = false;
    const rows = newTasks.map(({ id, task, remindersModelled }) => {
      const ended = endedTasks.get(task.key);
      endedTasks.delete(task.key);
      if (ended) endedNew.set(id, { state: ended.state, variables: ended.variables });
      createdTasks.push({
        id,
        kind: task.kind,
        engine_key: task.key,
        element_id: task.elementId,
        name: task.name,
        assignee: task.assignee,
        candidate_groups: [...task.candidateGroups],
        candidate_users: [...task.candidateUsers],
        due_at: task.dueAt === null ? null : new Date(task.dueAt),
        claimed_by: null,
        state: ended?.state ?? 'open',
        created_at: new Date(task.createdAt),
      });
      values.push(
        id,
        ctx.instanceId,
        task.key,
        task.kind,
        task.elementId,
        task.name,
        task.assignee,
        task.candidateGroups,
        task.candidateUsers,
        task.dueAt === null ? null : new Date(task.dueAt),
        task.followUpAt === null ? null : new Date(task.followUpAt),
        task.formKey ?? task.formId,
        task.jobType,
        ended?.state ?? 'open',
        remindersModelled,
        new Date(task.createdAt),
        ended ? new Date(ctx.now) : null,
        ctx.orgUnitId,
        ctx.templateKey,
      );
      const b = values.length - 19;
      const cells = Array.from({ length: 19 }, (_, k) => `$${b + k + 1}`);
      if (task.name !== null && task.loopItem !== undefined && UUID.test(task.loopItem)) {
        // An inner instance for a member: 「党员撰写感悟 — 张三」, the name read in this statement
        values.push(task.loopItem);
        cells[5] = `COALESCE(${cells[5]}::text || ' — ' || (SELECT m.name FROM members m WHERE m.id = $${values.length}::uuid), ${cells[5]}::text)`;
        named = true;
      }
      return `(${cells.join(', ')})`;
    });
    batch.add(
      `INSERT INTO tasks (id, instance_id, engine_key, kind, element_id, name, assignee, candidate_groups,
         candidate_users, due_at, follow_up_at, form_key, job_type, state, reminders_modelled, created_at, ended_at,
         org_unit_id, template_key)
       VALUES ${rows.join(', ')}${named ? ' RETURNING id::text AS id, name' : ''}`,
      values,
      named ? TASK_NAMES_OUTPUT : undefined,
      named ? undefined : TASK_INSERT_ROWS,
    );
  }
  const endedTaskKeys = [...endedTasks.keys()];
  if (ctx.projectors.length > 0) {
    const created: NewUserTask[] = newTasks
      .filter(({ task }) => task.kind === 'user')
      .map(({ id, task }) => ({
        engineKey: task.key,
        taskId: id,
        elementId: task.elementId,
        title: task.name ?? task.elementId,
        forMember: task.loopItem ?? null,
        standard: elementOf(ctx, task)?.documentation ?? null,
        responsible: responsibleOf(task),
        dueAt: task.dueAt,
        ended: endedNew.get(id) ?? null,
      }));
    const ended: EndedUserTask[] = [...endedTasks]
      .filter(([, task]) => task.kind === 'user')
      .map(([engineKey, task]) => {
        const node = elementOf(ctx, task);
        return {
          engineKey,
          elementId: task.elementId,
          state: task.state,
          variables: task.variables,
          properties: node?.kind === 'userTask' ? node.properties : undefined,
        };
      });
    for (const projector of ctx.projectors) {
      const out = projector.project(created, ended, ctx);
      for (const write of out.writes) batch.add(write.sql, write.params);
      audit.push(...out.audit);
    }
  }
  for (const [key, ended] of endedTasks) {
    const update = `UPDATE tasks SET state = $3::task_state, ended_at = $4, variables = $5,
         completed_by = CASE WHEN $3::text = 'completed' THEN $6 ELSE NULL END
        WHERE instance_id = $1 AND engine_key = $2 AND state = 'open'`;
    const values = [
      ctx.instanceId,
      key,
      ended.state,
      new Date(ctx.now),
      ended.variables === null ? null : JSON.stringify(ended.variables),
      ctx.actor,
    ];
    const expected = ctx.expectedTask;
    if (expected?.key === key) {
      batch.expectOne(
        batch.add(`${update} AND id = $7 AND claimed_by IS NOT DISTINCT FROM $8 RETURNING 1`, [
          ...values,
          expected.id,
          expected.claimedBy,
        ]),
        `task ${expected.id}`,
      );
    } else {
      batch.add(update, values);
    }
  }
  if (newTimers.length > 0) {
    const values: unknown[] = [];
    const rows = newTimers.map(({ id, effect }, i) => {
      const ended = endedTimers.get(effect.timer.key);
      endedTimers.delete(effect.timer.key);
      values.push(
        id,
        ctx.instanceId,
        effect.timer.key,
        effect.timer.elementId,
        effect.timer.purpose,
        new Date(effect.timer.dueAt),
        ended ?? 'scheduled',
        ended === 'fired' ? new Date(ctx.now) : null,
      );
      const b = i * 8;
      return `(${Array.from({ length: 8 }, (_, k) => `$${b + k + 1}`).join(', ')})`;
    });
    batch.add(
      `INSERT INTO timers (id, instance_id, engine_key, element_id, purpose, due_at, state, fired_at) VALUES ${rows.join(', ')}`,
      values,
    );
  }
  for (const [key, state] of endedTimers) {
    batch.add(
      `UPDATE timers SET state = $3::timer_state, fired_at = CASE WHEN $3::text = 'fired' THEN $4::timestamptz ELSE NULL END
        WHERE instance_id = $1 AND engine_key = $2 AND state = 'scheduled'`,
      [ctx.instanceId, key, state, new Date(ctx.now)],
      undefined,
      TIMER_END_ROWS,
    );
  }
  return { audit, jobs, createdTasks, endedTaskKeys };
}

/** The insert of tasks (not named after a member), for the tasks of a batch of steps (see RowsForm). */
export const TASK_INSERT_ROWS: RowsForm = {
  sql: `INSERT INTO tasks (id, instance_id, engine_key, kind, element_id, name, assignee, candidate_groups,
         candidate_users, due_at, follow_up_at, form_key, job_type, state, reminders_modelled, created_at, ended_at,
         org_unit_id, template_key)
       SELECT (r.x->>0)::uuid, (r.x->>1)::uuid, r.x->>2, (r.x->>3)::task_kind, r.x->>4, r.x->>5, r.x->>6,
              ARRAY(SELECT g FROM jsonb_array_elements_text(r.x->7) WITH ORDINALITY AS a (g, i) ORDER BY a.i),
              ARRAY(SELECT u FROM jsonb_array_elements_text(r.x->8) WITH ORDINALITY AS a (u, i) ORDER BY a.i),
              (r.x->>9)::timestamptz, (r.x->>10)::timestamptz, r.x->>11, r.x->>12, (r.x->>13)::task_state,
              (r.x->>14)::boolean, (r.x->>15)::timestamptz, (r.x->>16)::timestamptz, r.x->>17, r.x->>18
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r (x, n)
        ORDER BY r.n`,
  // the insert's parameters, 19 a task
  rows: (p) => {
    const rows: string[] = [];
    for (let i = 0; i < p.length; i += 19) {
      rows.push(
        `[${p
          .slice(i, i + 19)
          .map(jsonValue)
          .join(',')}]`,
      );
    }
    return rows.join(',');
  },
};

/** The update of ended timers, for the timers of a batch of steps (see RowsForm). */
export const TIMER_END_ROWS: RowsForm = {
  sql: `UPDATE timers m SET state = (r.x->>2)::timer_state,
          fired_at = CASE WHEN r.x->>2 = 'fired' THEN (r.x->>3)::timestamptz ELSE NULL END
         FROM jsonb_array_elements($1::jsonb) AS r (x)
        WHERE m.instance_id = (r.x->>0)::uuid AND m.engine_key = r.x->>1 AND m.state = 'scheduled'
          AND m.instance_id = ANY (ARRAY(SELECT (e->>0)::uuid FROM jsonb_array_elements($1::jsonb) e))`,
  rows: (p) => `[${jsonValue(p[0])},${jsonValue(p[1])},${jsonValue(p[2])},${jsonValue(p[3])}]`,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The batch output with the names of the task rows this step inserted, when one of them was
 * named after the member it is for (see `withTaskNames`).
 */
export const TASK_NAMES_OUTPUT = 'task_names';

/** The created tasks with the names the batch gave them (`out` is the batch's output). */
export function withTaskNames(
  tasks: readonly ProjectedTask[],
  out: Readonly<Record<string, unknown[]>>,
): ProjectedTask[] {
  const rows = out[TASK_NAMES_OUTPUT] as { id: string; name: string | null }[] | undefined;
  if (!rows) return [...tasks];
  const names = new Map(rows.map((row) => [row.id, row.name]));
  return tasks.map((task) =>
    names.has(task.id) ? { ...task, name: names.get(task.id) ?? null } : task,
  );
}

/** Who answers for a user task on the ledger: its assignee, else its candidates joined. */
function responsibleOf(task: Task): string | null {
  if (task.assignee !== null) return task.assignee;
  const candidates = [...task.candidateUsers, ...task.candidateGroups];
  return candidates.length > 0 ? candidates.join(',') : null;
}

/** The element of a task or ended task in its deployed process (undefined: not found). */
function elementOf(ctx: ProjectionContext, task: { processRef: string; elementId: string }) {
  return ctx.registry.byRef(task.processRef)?.nodes[task.elementId];
}

/** The root scope's variables, kept in their own column for queries. */
export function rootVariables(state: InstanceState): InstanceState['variables'][string] {
  return state.variables[state.rootKey] ?? {};
}
