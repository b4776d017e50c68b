import type { Incident } from '@app/engine';
import type { JsonValue } from '@app/feel';
import { DATA_SOURCE } from '@app/runtime';
import {
  OrgDirectory,
  type Principal,
  UNIT_READERS,
  canActOnTask,
  hasRoleOver,
  lookupNames,
  scopePaths,
} from '@app/org';
import {
  type InstanceRecord,
  InstanceRuntime,
  type InstanceSummary,
  InstancesRepository,
  type OpenTaskRow,
  RuntimeException,
  RuntimeExceptionCode,
  SCHEDULED_KEY_PREFIXES,
  isScheduledBusinessKey,
} from '@app/store';
import type { EntityManager } from 'typeorm';
import { Inject, Injectable } from '@nestjs/common';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import { actorOf } from '../auth/principal.decorator.js';
import { invalidRequest } from '../common/validation.js';
import type { DataSource } from 'typeorm';
import type {
  InstanceDiagramDto,
  InstanceDto,
  InstanceHistoryDto,
  InstanceListDto,
  InstanceSummaryDto,
  ListInstancesQueryDto,
  OpenTaskDto,
} from './dto/instance.dto.js';
import type { ResolveIncidentDto, StartInstanceDto } from './dto/start-instance.dto.js';

/**
 * What of an instance a caller is shown: a unit reader (secretary, supervisor) sees it whole; a
 * member who completed a task sees only the variables its form shows and the open tasks they
 * may act on, no incidents.
 */
export interface InstanceView {
  /** The root variables shown: all, or only these names. */
  readonly variables: 'all' | ReadonlySet<string>;
  /** The open tasks shown: all, or those this principal may act on in the unit at `unitPath`. */
  readonly tasks: 'all' | { readonly principal: Principal; readonly unitPath: string | null };
  readonly incidents: boolean;
}

export const WHOLE_VIEW: InstanceView = { variables: 'all', tasks: 'all', incidents: true };

@Injectable()
export class InstancesService {
  private readonly instances: InstancesRepository;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(InstanceRuntime) private readonly runtime: InstanceRuntime,
    private readonly access: AccessService,
    private readonly org: OrgDirectory,
  ) {
    this.instances = new InstancesRepository(dataSource);
  }

  /**
   * Starts an instance in an org unit: the one named, or the caller's own when it holds a
   * role on exactly one unit. Only a secretary of the unit or a supervisor over it may.
   */
  async start(input: StartInstanceDto, caller: Caller): Promise<InstanceDto> {
    const units = [
      ...new Set(
        caller.principal.grants
          .filter((grant) => grant.role === 'secretary' || grant.role === 'supervisor')
          .map((grant) => grant.orgUnitId),
      ),
    ];
    const orgUnitId = input.orgUnitId ?? (units.length === 1 ? units[0] : null);
    if (orgUnitId === null) {
      throw invalidRequest([
        { field: 'orgUnitId', message: 'orgUnitId 必填：您在多个党组织（或没有党组织）担任角色' },
      ]);
    }
    // Who reads a unit (its secretary, a supervisor over it) is who may start in it, and an
    // admin over it (who keeps its members: the start by hand of the templates page, e.g. a
    // member's development). A unit outside the caller's scope is answered as one that does
    // not exist (out of scope is absent): the same 400 naming `orgUnitId`, the truth audited.
    const adminOver = hasRoleOver(caller.principal, 'admin', await this.access.unitPath(orgUnitId));
    if (!adminOver) await this.access.readableUnit(caller.principal, caller, orgUnitId);
    if (input.businessKey !== undefined) refuseScheduledKey(input.businessKey);
    await this.assertMembersInScope(orgUnitId, input.variables ?? {});
    const summary = await this.runtime.start(
      {
        templateKey: input.templateKey,
        businessKey: input.businessKey ?? null,
        orgUnitId,
        variables: input.variables ?? {},
      },
      actorOf(caller.principal),
    );
    return this.fromStep(summary);
  }

  /** Cancels an instance: a secretary of its unit or a supervisor over it. */
  async cancel(id: string, caller: Caller, reason?: string): Promise<InstanceDto> {
    // Secretaries and supervisors over the unit are exactly who read it: anyone else gets 404
    await this.access.assertCanSee(caller, await this.orgUnitOf(id), `instance '${id}'`, () =>
      notFound(id),
    );
    return this.fromStep(
      await this.runtime.execute(
        id,
        { type: 'cancel', reason: reason?.trim() || undefined },
        actorOf(caller.principal),
        {
          openTasks: true,
        },
      ),
    );
  }

  /**
   * 400 unless every member the variables name (MEMBER_REFERENCES) is a member of the unit or
   * its subtree; an unknown member and one elsewhere get the same answer. Inside a step, pass
   * its manager.
   */
  async assertMembersInScope(
    orgUnitId: string | null,
    variables: Readonly<Record<string, unknown>>,
    manager?: EntityManager,
  ): Promise<void> {
    const problems = await this.org.memberReferenceProblems(orgUnitId, variables, manager);
    if (problems.length === 0) return;
    throw new RuntimeException(
      RuntimeExceptionCode.INVALID_VARIABLES,
      `所选人员不符合要求（不是本党组织的党员，或不具备该项所需的身份）：${[
        ...new Set(problems.map((problem) => problem.field)),
      ].join('、')}`,
      problems,
    );
  }

  /**
   * The instance as a step just committed it, from what the step had in hand (no read after
   * commit); with the whole view, the same answer as `get` would give right then.
   */
  fromStep(summary: InstanceSummary, view: InstanceView = WHOLE_VIEW): InstanceDto {
    if (!summary.openTasks) throw new Error('fromStep: the step did not list the open tasks');
    return toInstance(
      {
        id: summary.id,
        templateKey: summary.templateKey,
        version: summary.version,
        businessKey: summary.businessKey,
        orgUnitId: summary.orgUnitId,
        state: summary.state,
        startedBy: summary.startedBy,
        createdAt: summary.createdAt,
        endedAt: summary.endedAt,
      },
      summary.updatedAt,
      summary.variables,
      summary.openTasks,
      Object.values(summary.engineState.incidents ?? {}),
      view,
    );
  }

  /** Resolves an open incident (retrying what failed): as for cancelling. */
  async resolveIncident(
    id: string,
    incidentKey: string,
    input: ResolveIncidentDto,
    caller: Caller,
  ): Promise<InstanceDto> {
    const orgUnitId = await this.orgUnitOf(id);
    await this.access.assertCanSee(caller, orgUnitId, `instance '${id}'`, () => notFound(id));
    await this.assertMembersInScope(orgUnitId, input.variables ?? {});
    return this.fromStep(
      await this.runtime.execute(
        id,
        { type: 'resolveIncident', incidentKey, variables: input.variables },
        actorOf(caller.principal),
        { openTasks: true },
      ),
    );
  }

  /**
   * The instance with its open tasks (from the tasks table) and incidents (from its state);
   * with a caller, only when the caller reads the instance's unit.
   */
  async get(id: string, caller?: Caller): Promise<InstanceDto> {
    const found = await this.instances.findWithOpenTasks(id);
    if (!found) throw notFound(id);
    const { instance, openTasks: tasks } = found;
    if (caller) {
      await this.access.assertCanSee(caller, instance.orgUnitId, `instance '${id}'`, () =>
        notFound(id),
      );
    }
    return toInstance(
      toSummary(instance),
      instance.updatedAt,
      instance.variables,
      tasks,
      instance.incidents,
      WHOLE_VIEW,
    );
  }

  /**
   * The instances of the units the caller reads, newest first, by template, unit (or a unit
   * and those below it), business key, state and when they started; each with its template's
   * and unit's names and the names of its open steps.
   */
  async list(query: ListInstancesQueryDto, caller: Caller): Promise<InstanceListDto> {
    const unitPath =
      query.orgUnitId === undefined
        ? undefined
        : await this.access.readableUnit(caller.principal, caller, query.orgUnitId);
    const { items, total } = await this.instances.list(
      scopePaths(caller.principal, UNIT_READERS),
      {
        templateKey: query.templateKey,
        businessKey: query.businessKey,
        ...(query.orgUnitId === undefined
          ? {}
          : query.includeSubUnits === true
            ? { underUnitPath: unitPath }
            : { orgUnitId: query.orgUnitId }),
        state: query.state,
        startedFrom: query.startedFrom,
        startedBefore: query.startedBefore,
      },
      { limit: query.pageSize, offset: query.offset },
    );
    return {
      items: items.map((item) => ({
        ...toSummary(item),
        templateName: item.templateName,
        orgUnitName: item.orgUnitName,
        openTaskNames: item.openTaskNames,
      })),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  /**
   * The diagram of the version the instance runs, and per element how many times it completed
   * (its audit events), how many of its element instances run now and its open incidents (the
   * engine state); scoped as the instance.
   */
  async diagram(id: string, caller: Caller): Promise<InstanceDiagramDto> {
    await this.access.assertCanSee(caller, await this.orgUnitOf(id), `instance '${id}'`, () =>
      notFound(id),
    );
    const row = await this.instances.diagram(id);
    if (!row) throw notFound(id);
    const completed = await this.instances.completedElements(id);
    const stats = new Map<string, { completed: number; active: number; incidents: number }>();
    const of = (elementId: string) => {
      let entry = stats.get(elementId);
      if (!entry) stats.set(elementId, (entry = { completed: 0, active: 0, incidents: 0 }));
      return entry;
    };
    for (const [elementId, n] of completed) of(elementId).completed = n;
    // A multi-instance activity counts its inner instances, not its body as well
    for (const element of row.live)
      if (element.kind === 'flowNode') of(element.elementId).active += 1;
    for (const incident of row.incidents) of(incident.elementId).incidents += 1;
    const labels: Record<string, string> = {};
    for (const json of await this.instances.forms(id)) labelsOf(json as FormComponent, labels);
    // The ids the variables hold (members picked in forms, the unit): named in one statement
    const ids = textsIn(row.variables, 500);
    const book = await lookupNames(this.dataSource.manager, { people: ids, units: ids });
    const names: Record<string, string> = {};
    for (const text of ids) {
      const name = book.personName(text) ?? book.unitName(text);
      if (name) names[text] = name;
    }
    return {
      names,
      labels,
      instanceId: id,
      templateKey: row.templateKey,
      version: row.version,
      templateName: row.templateName,
      orgUnitName: row.orgUnitName,
      xml: row.xml ?? '',
      elements: [...stats].map(([elementId, entry]) => ({ elementId, ...entry })),
    };
  }

  /** The instance's audit events (its own hash chain), in order. */
  async history(id: string, caller: Caller): Promise<InstanceHistoryDto> {
    await this.access.assertCanSee(caller, await this.orgUnitOf(id), `instance '${id}'`, () =>
      notFound(id),
    );
    const rows = await this.instances.history(id);
    // Actors by name: one statement for the whole history
    const book = await lookupNames(this.dataSource.manager, {
      people: rows.map((row) => row.actor),
    });
    return {
      instanceId: id,
      items: rows.map((row) => ({
        seq: row.seq,
        type: row.type,
        actor: row.actor,
        actorName: book.label(row.actor, null),
        elementId: row.elementId,
        data: row.data,
        at: row.at,
        hash: row.hash,
      })),
      total: rows.length,
    };
  }

  /** The instance's org unit; 404 when there is no such instance. */
  private async orgUnitOf(id: string): Promise<string | null> {
    const row = await this.instances.orgUnitOf(id);
    if (!row) throw notFound(id);
    return row.orgUnitId;
  }
}

interface FormComponent {
  readonly key?: unknown;
  readonly label?: unknown;
  readonly dateLabel?: unknown;
  readonly timeLabel?: unknown;
  readonly components?: unknown;
}

/** Adds a form's field labels by key (a datetime's date or time label) to `into`, first wins. */
function labelsOf(component: FormComponent, into: Record<string, string>): void {
  const label = [component.label, component.dateLabel, component.timeLabel].find(
    (text): text is string => typeof text === 'string' && text.trim() !== '',
  );
  if (typeof component.key === 'string' && label && !(component.key in into)) {
    into[component.key] = label.trim();
  }
  if (Array.isArray(component.components)) {
    for (const child of component.components as FormComponent[]) {
      if (child && typeof child === 'object') labelsOf(child, into);
    }
  }
}

/** The distinct short texts anywhere in a JSON value (at most `limit`): ids it may hold. */
function textsIn(value: JsonValue, limit: number): string[] {
  const found = new Set<string>();
  const walk = (v: JsonValue) => {
    if (found.size >= limit) return;
    if (typeof v === 'string') {
      if (v.length <= 64) found.add(v);
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v !== null && typeof v === 'object') {
      Object.values(v).forEach(walk);
    }
  };
  walk(value);
  return [...found];
}

/** 400 naming `businessKey` for a key of the scheduled starts (theme-day:, political-birthday:). */
export function refuseScheduledKey(businessKey: string): void {
  if (!isScheduledBusinessKey(businessKey)) return;
  const message = `businessKey 不能以 ${SCHEDULED_KEY_PREFIXES.join(' 或 ')} 开头：这些业务编号留给定时启动的流程`;
  throw invalidRequest([{ field: 'businessKey', message }]);
}

function notFound(id: string): RuntimeException {
  return new RuntimeException(RuntimeExceptionCode.INSTANCE_NOT_FOUND, `no instance '${id}'`);
}

function toSummary(instance: InstanceRecord): InstanceSummaryDto {
  return {
    id: instance.id,
    templateKey: instance.templateKey,
    version: instance.version,
    businessKey: instance.businessKey,
    orgUnitId: instance.orgUnitId,
    state: instance.state,
    startedBy: instance.startedBy,
    createdAt: instance.createdAt,
    endedAt: instance.endedAt,
  };
}

/** The one mapping of an instance to its answer, for `get` and every step's reply. */
function toInstance(
  summary: InstanceSummaryDto,
  updatedAt: Date,
  variables: Record<string, JsonValue>,
  tasks: readonly OpenTaskRow[],
  incidents: readonly Incident[],
  view: InstanceView,
): InstanceDto {
  const shownVariables = view.variables;
  const shownTasks = view.tasks;
  return {
    ...summary,
    variables:
      shownVariables === 'all'
        ? variables
        : Object.fromEntries(
            Object.entries(variables).filter(([name]) => shownVariables.has(name)),
          ),
    updatedAt,
    openTasks: tasks
      .filter(
        (task) =>
          shownTasks === 'all' ||
          canActOnTask(
            shownTasks.principal,
            {
              assignee: task.assignee,
              candidateGroups: task.candidate_groups,
              candidateUsers: task.candidate_users,
            },
            shownTasks.unitPath,
          ),
      )
      .map(toOpenTask),
    incidents: view.incidents
      ? incidents.map((incident) => ({
          key: incident.key,
          elementId: incident.elementId,
          message: incident.message,
          createdAt: new Date(incident.createdAt).toISOString(),
        }))
      : [],
  };
}

function toOpenTask(row: OpenTaskRow): OpenTaskDto {
  return {
    id: row.id,
    kind: row.kind,
    elementId: row.element_id,
    name: row.name,
    assignee: row.assignee,
    candidateGroups: row.candidate_groups,
    dueAt: row.due_at,
    claimedBy: row.claimed_by,
  };
}
