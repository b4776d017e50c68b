import type { DisplayState, Incident } from '@app/engine';
import type { JsonValue } from '@app/feel';
import { DATA_SOURCE } from '@app/runtime';
import {
  InstanceRuntime,
  type InstanceSummary,
  RuntimeException,
  RuntimeExceptionCode,
} from '@app/store';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import { actorOf } from '../auth/principal.decorator.js';
import { unitScopeSql } from '../auth/scope.sql.js';
import { HttpProblem } from '../common/http-problem.js';
import type { DataSource } from 'typeorm';
import type {
  InstanceDto,
  InstanceHistoryDto,
  InstanceListDto,
  InstanceSummaryDto,
  ListInstancesQueryDto,
  OpenTaskDto,
} from './dto/instance.dto.js';
import type { ResolveIncidentDto, StartInstanceDto } from './dto/start-instance.dto.js';

interface InstanceRow {
  id: string;
  template_key: string;
  version: number;
  business_key: string | null;
  org_unit_id: string | null;
  state: DisplayState;
  started_by: string;
  created_at: Date;
  updated_at: Date;
  ended_at: Date | null;
}

interface TaskRow {
  id: string;
  kind: 'user' | 'service';
  element_id: string;
  name: string | null;
  assignee: string | null;
  candidate_groups: string[];
  due_at: Date | null;
  claimed_by: string | null;
}

const SUMMARY_COLUMNS = `id, template_key, version, business_key, org_unit_id, state, started_by, created_at,
  updated_at, ended_at`;

@Injectable()
export class InstancesService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(InstanceRuntime) private readonly runtime: InstanceRuntime,
    private readonly access: AccessService,
  ) {}

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
      throw new HttpProblem(
        HttpStatus.BAD_REQUEST,
        'orgUnitId is required: you hold roles on several org units (or none)',
        [{ field: 'orgUnitId', message: 'is required' }],
      );
    }
    if ((await this.access.unitPath(orgUnitId)) === null) {
      throw new HttpProblem(HttpStatus.BAD_REQUEST, `no org unit '${orgUnitId}'`, [
        { field: 'orgUnitId', message: `no org unit '${orgUnitId}'` },
      ]);
    }
    await this.access.assertRoleOver(
      caller,
      ['secretary', 'supervisor'],
      orgUnitId,
      `starting '${input.templateKey}'`,
    );
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
  async cancel(id: string, caller: Caller): Promise<InstanceDto> {
    // Secretaries and supervisors over the unit are exactly who read it: anyone else gets 404
    await this.access.assertCanSee(caller, await this.orgUnitOf(id), `instance '${id}'`, () =>
      notFound(id),
    );
    return this.fromStep(
      await this.runtime.execute(id, { type: 'cancel' }, actorOf(caller.principal), {
        openTasks: true,
      }),
    );
  }

  /**
   * The instance as a step just committed it, from what the step had in hand (no read after
   * commit); the same answer as `get` would give right then.
   */
  fromStep(summary: InstanceSummary): InstanceDto {
    if (!summary.openTasks) throw new Error('fromStep: the step did not list the open tasks');
    return {
      id: summary.id,
      templateKey: summary.templateKey,
      version: summary.version,
      businessKey: summary.businessKey,
      orgUnitId: summary.orgUnitId,
      state: summary.state,
      startedBy: summary.startedBy,
      createdAt: summary.createdAt,
      endedAt: summary.endedAt,
      variables: summary.variables,
      updatedAt: summary.updatedAt,
      openTasks: summary.openTasks.map(toOpenTask),
      incidents: Object.values(summary.engineState.incidents ?? {}).map((incident) => ({
        key: incident.key,
        elementId: incident.elementId,
        message: incident.message,
        createdAt: new Date(incident.createdAt).toISOString(),
      })),
    };
  }

  /** Resolves an open incident (retrying what failed): as for cancelling. */
  async resolveIncident(
    id: string,
    incidentKey: string,
    input: ResolveIncidentDto,
    caller: Caller,
  ): Promise<InstanceDto> {
    await this.access.assertCanSee(caller, await this.orgUnitOf(id), `instance '${id}'`, () =>
      notFound(id),
    );
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
    const [row] = await this.dataSource.query<
      (InstanceRow & {
        variables: Record<string, JsonValue>;
        incidents: Record<string, Incident>;
      })[]
    >(
      `SELECT ${SUMMARY_COLUMNS}, variables, engine_state->'incidents' AS incidents
         FROM process_instances WHERE id = $1`,
      [id],
    );
    if (!row) throw notFound(id);
    if (caller) {
      await this.access.assertCanSee(caller, row.org_unit_id, `instance '${id}'`, () =>
        notFound(id),
      );
    }
    const tasks = await this.dataSource.query<TaskRow[]>(
      `SELECT id, kind, element_id, name, assignee, candidate_groups, due_at, claimed_by
         FROM tasks WHERE instance_id = $1 AND state = 'open'
        ORDER BY created_at, length(engine_key), engine_key`,
      [id],
    );
    return {
      ...toSummary(row),
      variables: row.variables,
      updatedAt: row.updated_at,
      openTasks: tasks.map(toOpenTask),
      incidents: Object.values(row.incidents ?? {}).map((incident) => ({
        key: incident.key,
        elementId: incident.elementId,
        message: incident.message,
        createdAt: new Date(incident.createdAt).toISOString(),
      })),
    };
  }

  async list(query: ListInstancesQueryDto, caller: Caller): Promise<InstanceListDto> {
    const params: unknown[] = [];
    const where: string[] = [
      unitScopeSql(
        caller.principal,
        ['secretary', 'supervisor'],
        '(SELECT path FROM org_units o WHERE o.id = org_unit_id)',
        params,
      ),
    ];
    if (query.orgUnitId !== undefined) {
      await this.access.readableUnit(caller.principal, caller, query.orgUnitId);
    }
    const filter = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.templateKey !== undefined) filter('template_key = ?', query.templateKey);
    if (query.businessKey !== undefined) filter('business_key = ?', query.businessKey);
    if (query.orgUnitId !== undefined) filter('org_unit_id = ?', query.orgUnitId);
    if (query.state !== undefined) filter('state = ?::instance_state', query.state);
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const rows = await this.dataSource.query<(InstanceRow & { total: number })[]>(
      `SELECT ${SUMMARY_COLUMNS}, count(*) OVER ()::int AS total FROM process_instances ${clause}
        ORDER BY created_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, query.pageSize, query.offset],
    );
    const total = rows[0]?.total ?? (await this.count(clause, params));
    return { items: rows.map(toSummary), total, page: query.page, pageSize: query.pageSize };
  }

  /** The instance's audit events (its own hash chain), in order. */
  async history(id: string, caller: Caller): Promise<InstanceHistoryDto> {
    await this.access.assertCanSee(caller, await this.orgUnitOf(id), `instance '${id}'`, () =>
      notFound(id),
    );
    const rows = await this.dataSource.query<
      {
        seq: number;
        type: string;
        actor: string;
        element_id: string | null;
        data: Record<string, JsonValue>;
        at: Date;
        hash: string;
      }[]
    >(
      `SELECT seq, type, actor, element_id, data, at, hash FROM audit_events
        WHERE stream = $1 ORDER BY seq`,
      [id],
    );
    return {
      instanceId: id,
      items: rows.map((row) => ({
        seq: row.seq,
        type: row.type,
        actor: row.actor,
        elementId: row.element_id,
        data: row.data,
        at: row.at,
        hash: row.hash,
      })),
      total: rows.length,
    };
  }

  /** The instance's org unit; 404 when there is no such instance. */
  private async orgUnitOf(id: string): Promise<string | null> {
    const [row] = await this.dataSource.query<{ org_unit_id: string | null }[]>(
      `SELECT org_unit_id FROM process_instances WHERE id = $1`,
      [id],
    );
    if (!row) throw notFound(id);
    return row.org_unit_id;
  }

  private async count(clause: string, params: unknown[]): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM process_instances ${clause}`,
      params,
    );
    return row?.n ?? 0;
  }
}

function notFound(id: string): RuntimeException {
  return new RuntimeException(RuntimeExceptionCode.INSTANCE_NOT_FOUND, `no instance '${id}'`);
}

function toSummary(row: InstanceRow): InstanceSummaryDto {
  return {
    id: row.id,
    templateKey: row.template_key,
    version: row.version,
    businessKey: row.business_key,
    orgUnitId: row.org_unit_id,
    state: row.state,
    startedBy: row.started_by,
    createdAt: row.created_at,
    endedAt: row.ended_at,
  };
}

function toOpenTask(row: TaskRow): OpenTaskDto {
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
