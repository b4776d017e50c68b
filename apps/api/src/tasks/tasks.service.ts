import { appendAudit } from '@app/audit';
import type { Env } from '@app/config';
import { effectiveDue, missingEvidence, trafficLight, yellowUntil } from '@app/ledger';
import { type AssignableTask, type NameBook, canActOnTask, canReadUnit } from '@app/org';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import {
  type Clock,
  InstanceRuntime,
  InstancesRepository,
  RuntimeException,
  RuntimeExceptionCode,
  type TaskListFilter,
  type TaskRow,
  type TaskRowState,
  TasksRepository,
} from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import { actorOf } from '../auth/principal.decorator.js';
import { taskScope } from '../auth/scope.sql.js';
import { cappedPage, refuseBadCursor } from '../common/pagination.dto.js';
import type { DataSource } from 'typeorm';
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

@Injectable()
export class TasksService {
  private readonly tasks: TasksRepository;
  private readonly instanceRows: InstancesRepository;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(InstanceRuntime) private readonly runtime: InstanceRuntime,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
    private readonly instances: InstancesService,
    private readonly forms: FormRegistry,
    private readonly access: AccessService,
  ) {
    this.tasks = new TasksRepository(dataSource);
    this.instanceRows = new InstancesRepository(dataSource);
  }

  /** LEDGER_GRACE_DAYS in ms: how long a task is open at least before it counts as overdue. */
  private get graceMs(): number {
    return this.env.LEDGER_GRACE_DAYS * 24 * 3600_000;
  }

  /**
   * A page of the tasks the caller sees (TasksRepository.list: the scope first, keyset pages in
   * index order, a count capped at TASK_COUNT_CAP). `cursor` continues after the last page's
   * last task; without one, `page` counts pages from the start (as the inbox asks today).
   */
  async list(query: ListTasksQueryDto, caller: Caller): Promise<TaskListDto> {
    const now = new Date(this.clock.now());
    const unitPath =
      query.orgUnitId === undefined
        ? undefined
        : await this.access.readableUnit(caller.principal, caller, query.orgUnitId);
    const filter: TaskListFilter = {
      kind: query.kind,
      unitPath,
      instanceId: query.instanceId,
      assignee: query.assignee,
      candidateGroup: query.candidateGroup,
      candidateUser: query.candidateUser,
      state: query.state,
      overdue:
        query.overdue === undefined
          ? undefined
          : {
              value: query.overdue,
              now,
              openedBefore: new Date(now.getTime() - this.graceMs),
            },
      templateKey: query.templateKey,
      dueBefore: query.dueBefore === undefined ? undefined : new Date(query.dueBefore),
      light:
        query.light === undefined
          ? undefined
          : {
              light: query.light,
              now,
              yellowEnd: new Date(yellowUntil(now.getTime(), this.env.LEDGER_YELLOW_DAYS)),
              graceDays: this.env.LEDGER_GRACE_DAYS,
            },
    };
    // The page is limited to the caller's scope already (an instance outside it lists what an
    // unknown id lists: the caller's own tasks in it, if any); the check only audits the probe.
    const [found, owner] = await Promise.all([
      this.tasks
        .list(taskScope(caller.principal), filter, {
          sort: query.sort,
          limit: query.pageSize,
          offset: query.keysetOffset,
          cursor: query.cursor,
        })
        .catch(refuseBadCursor),
      query.instanceId === undefined ? null : this.instanceRows.orgUnitOf(query.instanceId),
    ]);
    if (owner) {
      await this.access.noteHidden(
        caller,
        owner.orgUnitId,
        `instance '${query.instanceId}' (tasks listed)`,
      );
    }
    // Names of the page's people and units: one statement for the page
    const book = await taskNameBook(this.dataSource.manager, found.rows);
    return {
      items: found.rows.map((row) => this.toTask(row, book)),
      ...cappedPage(query, found),
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
      const claimed = await this.tasks.claim(manager, id, user);
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
      const row = await this.tasks.claimState(manager, id);
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
            : await this.runtime.elementProperties(task.processRef, task.elementId, manager);
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
    const row = await this.tasks.find(id);
    if (!row) throw taskNotFound(id);
    return row;
  }

  /** The form as a person reads it: member pickers labelled by name (see formWithMemberNames). */
  private async formFor(form: FormSchema, instanceId: string): Promise<FormSchema> {
    const instance = await this.instanceRows.variablesOf(instanceId);
    return formWithMemberNames(this.dataSource.manager, form, instance?.variables ?? {}, {
      orgUnitId: instance?.orgUnitId ?? null,
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
  row: { state: TaskRowState; claimed_by: string | null } | null,
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
