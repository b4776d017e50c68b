import { appendAudit } from '@app/audit';
import type { Env } from '@app/config';
import { effectiveDue, missingEvidence, trafficLight, yellowUntil } from '@app/ledger';
import { type AssignableTask, type NameBook, canActOnTask, canReadUnit } from '@app/org';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import {
  type Clock,
  InstanceRuntime,
  RuntimeException,
  RuntimeExceptionCode,
  type Statement,
  type TaskRowState,
  pooledPipeline,
} from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import { actorOf } from '../auth/principal.decorator.js';
import { taskScopeSql } from '../auth/scope.sql.js';
import type { DataSource, EntityManager } from 'typeorm';
import type { InstanceDto } from '../instances/dto/instance.dto.js';
import { type InstanceView, InstancesService, WHOLE_VIEW } from '../instances/instances.service.js';
import type {
  CompleteTaskDto,
  ListTasksQueryDto,
  TaskDetailDto,
  TaskDto,
  TaskListDto,
} from './dto/task.dto.js';
import { FormRegistry } from './forms/form-registry.service.js';
import { type FormSchema, formVariableNames } from './forms/form-schema.js';
import { validateForm } from './forms/form-validation.js';
import { formWithMemberNames, taskNameBook, taskNames } from './task-names.js';

interface TaskRow {
  id: string;
  instance_id: string;
  template_key: string;
  engine_key: string;
  kind: 'user' | 'service';
  element_id: string;
  name: string | null;
  assignee: string | null;
  candidate_groups: string[];
  candidate_users: string[];
  due_at: Date | null;
  follow_up_at: Date | null;
  state: TaskRowState;
  claimed_by: string | null;
  completed_by: string | null;
  form_key: string | null;
  created_at: Date;
  ended_at: Date | null;
  org_unit_id: string | null;
  template_name: string | null;
  business_key: string | null;
}

const COLUMNS = `t.id, t.instance_id, i.template_key, t.engine_key, t.kind, t.element_id, t.name, t.assignee,
  t.candidate_groups, t.candidate_users, t.due_at, t.follow_up_at, t.state, t.claimed_by, t.completed_by,
  t.form_key, t.created_at, t.ended_at, i.org_unit_id, d.name AS template_name, i.business_key`;

const FROM = `tasks t JOIN process_instances i ON i.id = t.instance_id LEFT JOIN org_units o ON o.id = i.org_unit_id
  JOIN process_definitions d ON d.id = i.definition_id`;

@Injectable()
export class TasksService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(InstanceRuntime) private readonly runtime: InstanceRuntime,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
    private readonly instances: InstancesService,
    private readonly forms: FormRegistry,
    private readonly access: AccessService,
  ) {}

  /** LEDGER_GRACE_DAYS in ms: how long a task is open at least before it counts as overdue. */
  private get graceMs(): number {
    return this.env.LEDGER_GRACE_DAYS * 24 * 3600_000;
  }

  async list(query: ListTasksQueryDto, caller: Caller): Promise<TaskListDto> {
    const now = new Date(this.clock.now());
    const params: unknown[] = [query.kind];
    const where = ['t.kind = $1::task_kind'];
    where.push(taskScopeSql(caller.principal, { task: 't', unitPath: 'o.path' }, params));
    if (query.orgUnitId !== undefined) {
      const path = await this.access.readableUnit(caller.principal, caller, query.orgUnitId);
      params.push(`${path}%`);
      where.push(`o.path LIKE $${params.length}`);
    }
    const filter = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    if (query.instanceId !== undefined) filter('t.instance_id = ?', query.instanceId);
    if (query.assignee !== undefined) filter('t.assignee = ?', query.assignee);
    if (query.candidateGroup !== undefined)
      filter('? = ANY(t.candidate_groups)', query.candidateGroup);
    if (query.candidateUser !== undefined)
      filter('? = ANY(t.candidate_users)', query.candidateUser);
    if (query.state !== undefined) filter('t.state = ?::task_state', query.state);
    // overdue: past its due time and open LEDGER_GRACE_DAYS (see effectiveDue in @app/ledger)
    const overdue = `t.state = 'open' AND t.due_at IS NOT NULL AND t.due_at < ? AND t.created_at < ?`;
    if (query.overdue !== undefined) {
      params.push(now, new Date(now.getTime() - this.graceMs));
      const [due, opened] = [`$${params.length - 1}`, `$${params.length}`];
      const sql = overdue.replace('?', due).replace('?', opened);
      where.push(query.overdue ? sql : `NOT (${sql})`);
    }
    if (query.templateKey !== undefined) filter('i.template_key = ?', query.templateKey);
    if (query.dueBefore !== undefined) filter('t.due_at < ?', new Date(query.dueBefore));
    if (query.light !== undefined) {
      // the effective due time (see effectiveDue): never less than the grace after opening
      const param = (value: unknown, type: string) => {
        params.push(value);
        return `$${params.length}::${type}`;
      };
      const due = `GREATEST(t.due_at, t.created_at + ${param(`${this.env.LEDGER_GRACE_DAYS} days`, 'interval')})`;
      const yellowEnd = new Date(yellowUntil(now.getTime(), this.env.LEDGER_YELLOW_DAYS));
      switch (query.light) {
        case 'red':
          where.push(
            `t.state = 'open' AND t.due_at IS NOT NULL AND ${due} < ${param(now, 'timestamptz')}`,
          );
          break;
        case 'yellow':
          where.push(
            `t.state = 'open' AND t.due_at IS NOT NULL AND ${due} >= ${param(now, 'timestamptz')} AND ${due} <= ${param(yellowEnd, 'timestamptz')}`,
          );
          break;
        case 'green':
          where.push(
            `t.state = 'open' AND (t.due_at IS NULL OR ${due} > ${param(yellowEnd, 'timestamptz')})`,
          );
          break;
      }
    }
    const clause = where.join(' AND ');
    // One round trip: the page (prepared: the list is polled, one shape per combination of
    // filters) and, for an instance's tasks, the instance's unit for the access check. The
    // page is limited to the caller's scope already (an instance outside it lists what an
    // unknown id lists: the caller's own tasks in it, if any); the check only audits the probe.
    const page: Statement = {
      text: `SELECT ${COLUMNS}, count(*) OVER ()::int AS total
         FROM ${FROM}
        WHERE ${clause}
        ORDER BY ${query.sort === 'created' ? 't.created_at DESC, t.id' : 't.due_at ASC NULLS LAST, t.created_at, t.id'}
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      values: [...params, query.pageSize, query.offset],
    };
    const instance: Statement | null =
      query.instanceId === undefined
        ? null
        : {
            text: `SELECT org_unit_id FROM process_instances WHERE id = $1`,
            values: [query.instanceId],
          };
    const [found, unit] = await pooledPipeline(
      this.dataSource,
      instance ? [page, instance] : [page],
    );
    const [owner] = (unit?.rows ?? []) as { org_unit_id: string | null }[];
    if (owner) {
      await this.access.noteHidden(
        caller,
        owner.org_unit_id,
        `instance '${query.instanceId}' (tasks listed)`,
      );
    }
    const rows = found.rows as (TaskRow & { total: number })[];
    // An empty first page means no match at all; past the first, count the matches.
    let total = rows[0]?.total ?? (query.offset === 0 ? 0 : undefined);
    if (total === undefined) {
      const [row] = await this.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM ${FROM} WHERE ${clause}`,
        params,
      );
      total = row?.n ?? 0;
    }
    // Names of the page's people and units: one statement for the page
    const book = await taskNameBook(this.dataSource.manager, rows);
    return {
      items: rows.map((row) => this.toTask(row, book)),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  async get(id: string, caller: Caller): Promise<TaskDetailDto> {
    const row = await this.load(id);
    const task = toAssignable(row);
    const canAct = canActOnTask(
      caller.principal,
      task,
      await this.access.unitPath(row.org_unit_id),
      await this.access.approvalPath(task, row.org_unit_id),
    );
    if (!canAct) {
      await this.access.assertCanSee(caller, row.org_unit_id, `task '${id}'`, () =>
        taskNotFound(id),
      );
    }
    const schema =
      row.kind === 'user'
        ? ((await this.forms.forTask(row.instance_id, row.form_key)) ?? null)
        : null;
    const [book, form] = await Promise.all([
      taskNameBook(this.dataSource.manager, [row]),
      schema === null ? null : this.formFor(schema, row.instance_id),
    ]);
    return { ...this.toTask(row, book), form, canAct };
  }

  /**
   * Claims an open task for a user: a conditional UPDATE, so of two concurrent claims one
   * wins. Claiming again by the same user is a no-op; by someone else, 409 TASK_CLAIMED.
   */
  async claim(id: string, caller: Caller): Promise<TaskDto> {
    const task = await this.load(id);
    await this.access.assertCanAct(caller, toAssignable(task), task.org_unit_id, () =>
      taskNotFound(id),
    );
    // A service task's job is the worker's, not a person's to take (see complete)
    if (task.kind !== 'user') throw taskNotFound(id);
    const user = actorOf(caller.principal);
    await this.dataSource.transaction(async (manager) => {
      const [claimed] = await updateReturning<{ instance_id: string; element_id: string }>(
        manager,
        `UPDATE tasks SET claimed_by = $2 WHERE id = $1 AND state = 'open' AND claimed_by IS NULL
         RETURNING instance_id, element_id`,
        [id, user],
      );
      if (claimed) {
        await appendAudit(manager, claimed.instance_id, [
          {
            type: 'task.claimed',
            actor: user,
            instanceId: claimed.instance_id,
            elementId: claimed.element_id,
            data: { taskId: id, user },
            at: this.clock.now(),
          },
        ]);
        return;
      }
      const [row] = await manager.query<{ state: TaskRowState; claimed_by: string | null }[]>(
        `SELECT state, claimed_by FROM tasks WHERE id = $1`,
        [id],
      );
      assertCompletable(id, row, user);
    });
    const claimed = await this.load(id);
    return this.toTask(claimed, await taskNameBook(this.dataSource.manager, [claimed]));
  }

  /**
   * Completes an open task in one step transaction: with the instance and the task row locked,
   * the task must still be open and not claimed by someone else (so of two concurrent
   * completions one wins, the other is 409), then its form (if any) checks the values (400
   * naming the fields) and the members they name must be of the instance's unit (400). A service
   * task is not a person's (404, as if absent). The answer is the instance as the step
   * committed it, as far as the caller reads it: whole for a reader of the unit; for anyone else
   * (a member), only the variables the task's form shows and the open tasks they may act on.
   */
  async complete(id: string, input: CompleteTaskDto, caller: Caller): Promise<InstanceDto> {
    const who = actorOf(caller.principal);
    const variables = input.variables ?? {};
    // Who may act, whether the task is still open and unclaimed by others, and whether the
    // values fit its form are all decided on the task row as the step has it locked.
    let refused: { orgUnitId: string | null; path: string | null } | null = null;
    // What the reply may show the caller, from the task as the step locked it.
    let view: InstanceView = WHOLE_VIEW;
    const step = this.runtime.completeTask(id, variables, who, {
      openTasks: true,
      check: async (task, current, manager) => {
        const unitPath = await this.access.unitPath(task.orgUnitId, manager);
        const approval = await this.access.approvalPath(task, task.orgUnitId, manager);
        if (!canActOnTask(caller.principal, task, unitPath, approval)) {
          refused = { orgUnitId: task.orgUnitId, path: unitPath };
          throw new Error(`task '${id}' is not assigned or offered to the caller`);
        }
        // A service task is its job's worker's to complete (its handler's effect and its
        // variables), never a person's: to people it is not a task at all, as if absent.
        if (task.kind !== 'user') throw taskNotFound(id);
        assertCompletable(id, { state: task.state, claimed_by: task.claimedBy }, who);
        const form = await this.forms.forTask(task.instanceId, task.formKey, manager);
        view = canReadUnit(caller.principal, unitPath)
          ? WHOLE_VIEW
          : {
              variables: form ? formVariableNames(form) : new Set<string>(),
              tasks: { principal: caller.principal, unitPath },
              incidents: false,
            };
        if (form) {
          const problems = validateForm(form, {
            submitted: variables,
            current,
            feel: { now: this.clock.now(), zone: this.env.TIME_ZONE },
          });
          if (problems.length > 0) {
            throw new RuntimeException(
              RuntimeExceptionCode.INVALID_VARIABLES,
              `表单填写有误，请检查：${[...new Set(problems.map((problem) => problem.field))].join(', ')}`,
              problems,
            );
          }
        }
        // The evidence the step declares it needs (ledger.requiresEvidence), e.g. its photos
        const properties =
          task.processRef === null || task.elementId === null
            ? undefined
            : await this.runtime.elementProperties(task.processRef, task.elementId);
        const missing = await missingEvidence(manager, id, properties);
        if (missing.length > 0) {
          throw new RuntimeException(
            RuntimeExceptionCode.INVALID_VARIABLES,
            `此步骤需要佐证材料，请先上传：${missing.map((problem) => problem.field).join(', ')}`,
            missing,
          );
        }
        // Members the values name must be of the instance's unit (as at the start)
        await this.instances.assertMembersInScope(task.orgUnitId, variables, manager);
      },
    });
    const summary = await step.catch(async (error: unknown) => {
      // The refusal is audited once the step's transaction has been rolled back
      if (refused !== null) {
        const { orgUnitId, path } = refused;
        return this.access.refuseTask(caller, id, orgUnitId, path, () => taskNotFound(id));
      }
      throw error;
    });
    return this.instances.fromStep(summary, view);
  }

  private async load(id: string): Promise<TaskRow> {
    const [row] = await this.dataSource.query<TaskRow[]>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE t.id = $1`,
      [id],
    );
    if (!row) throw taskNotFound(id);
    return row;
  }

  /** The form as a person reads it: member pickers labelled by name (see formWithMemberNames). */
  private async formFor(form: FormSchema, instanceId: string): Promise<FormSchema> {
    const [instance] = await this.dataSource.query<
      { variables: Record<string, unknown>; org_unit_id: string | null }[]
    >(`SELECT variables, org_unit_id FROM process_instances WHERE id = $1`, [instanceId]);
    return formWithMemberNames(this.dataSource.manager, form, instance?.variables ?? {}, {
      orgUnitId: instance?.org_unit_id ?? null,
      maxOptions: this.env.FORM_MEMBER_OPTIONS_MAX,
    });
  }

  private toTask(row: TaskRow, book: NameBook): TaskDto {
    return {
      ...taskNames(row, book),
      orgUnitId: row.org_unit_id,
      templateName: row.template_name,
      id: row.id,
      instanceId: row.instance_id,
      templateKey: row.template_key,
      kind: row.kind,
      elementId: row.element_id,
      name: row.name,
      assignee: row.assignee,
      candidateGroups: row.candidate_groups,
      candidateUsers: row.candidate_users,
      dueAt: row.due_at,
      followUpAt: row.follow_up_at,
      overdue:
        row.state === 'open' &&
        row.due_at !== null &&
        (effectiveDue(
          { dueAt: row.due_at, createdAt: row.created_at },
          this.env.LEDGER_GRACE_DAYS,
        ) ?? Infinity) < this.clock.now(),
      light:
        row.state === 'open'
          ? trafficLight(
              { state: 'open', dueAt: row.due_at, createdAt: row.created_at },
              this.clock.now(),
              this.env.LEDGER_YELLOW_DAYS,
              this.env.LEDGER_GRACE_DAYS,
            )
          : null,
      businessKey: row.business_key,
      state: row.state,
      claimedBy: row.claimed_by,
      completedBy: row.completed_by,
      formKey: row.form_key,
      createdAt: row.created_at,
      endedAt: row.ended_at,
    };
  }
}

function toAssignable(row: TaskRow): AssignableTask & { id: string } {
  return {
    id: row.id,
    assignee: row.assignee,
    candidateGroups: row.candidate_groups,
    candidateUsers: row.candidate_users,
  };
}

/** What a missing task gets, and a task outside the caller's scope (out of scope is absent). */
function taskNotFound(id: string): RuntimeException {
  return new RuntimeException(RuntimeExceptionCode.TASK_NOT_FOUND, `no task '${id}'`);
}

/** Refuses a task that is gone, no longer open, or claimed by someone other than `user`. */
function assertCompletable(
  id: string,
  row: { state: TaskRowState; claimed_by: string | null } | undefined,
  user: string,
): void {
  if (!row) throw taskNotFound(id);
  if (row.state !== 'open') {
    throw new RuntimeException(
      RuntimeExceptionCode.TASK_NOT_OPEN,
      row.state === 'completed' ? '该任务已完成，不能再办理' : '该任务已取消，不能再办理',
      { state: row.state },
    );
  }
  if (row.claimed_by !== null && row.claimed_by !== user) {
    throw new RuntimeException(
      RuntimeExceptionCode.TASK_CLAIMED,
      '该任务已由他人认领，只有认领人可以办理',
      { claimedBy: row.claimed_by },
    );
  }
}

/** UPDATE … RETURNING through TypeORM, which answers `[rows, count]` for an UPDATE. */
async function updateReturning<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const [rows] = await manager.query<[T[], number]>(sql, params);
  return rows;
}
