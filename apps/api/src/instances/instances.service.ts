import type { DisplayState, Incident } from '@app/engine';
import type { JsonValue } from '@app/feel';
import { DATA_SOURCE } from '@app/runtime';
import {
  InstanceRuntime,
  type InstanceSummary,
  RuntimeException,
  RuntimeExceptionCode,
} from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type {
  InstanceDto,
  InstanceHistoryDto,
  InstanceListDto,
  InstanceSummaryDto,
  ListInstancesQueryDto,
  OpenTaskDto,
} from './dto/instance.dto.js';
import type { StartInstanceDto } from './dto/start-instance.dto.js';

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
  ) {}

  async start(input: StartInstanceDto, actor: string): Promise<InstanceDto> {
    const summary = await this.runtime.start(
      {
        templateKey: input.templateKey,
        businessKey: input.businessKey ?? null,
        orgUnitId: input.orgUnitId ?? null,
        variables: input.variables ?? {},
      },
      actor,
    );
    return this.fromStep(summary);
  }

  async cancel(id: string, actor: string): Promise<InstanceDto> {
    return this.fromStep(
      await this.runtime.execute(id, { type: 'cancel' }, actor, { openTasks: true }),
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
        elementId: incident.elementId,
        message: incident.message,
        createdAt: new Date(incident.createdAt).toISOString(),
      })),
    };
  }

  /** The instance with its open tasks (from the tasks table) and incidents (from its state). */
  async get(id: string): Promise<InstanceDto> {
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
        elementId: incident.elementId,
        message: incident.message,
        createdAt: new Date(incident.createdAt).toISOString(),
      })),
    };
  }

  async list(query: ListInstancesQueryDto): Promise<InstanceListDto> {
    const where: string[] = [];
    const params: unknown[] = [];
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
  async history(id: string): Promise<InstanceHistoryDto> {
    await this.assertExists(id);
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

  private async assertExists(id: string): Promise<void> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM process_instances WHERE id = $1`,
      [id],
    );
    if (rows.length === 0) throw notFound(id);
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
