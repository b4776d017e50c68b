import type { DisplayState, Incident } from '@app/engine';
import type { JsonValue } from '@app/feel';
import type { DataSource, EntityManager } from 'typeorm';
import type { OpenTaskRow } from './tasks.repository.js';
import { preparedQuery } from './pipeline.js';
import { type UnitScope, unitScopeCondition } from './scope.sql.js';

/** An instance as the api lists and shows it (no state, no variables). */
export interface InstanceRecord {
  readonly id: string;
  readonly templateKey: string;
  readonly version: number;
  readonly businessKey: string | null;
  readonly orgUnitId: string | null;
  readonly state: DisplayState;
  readonly startedBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly endedAt: Date | null;
}

/** An instance with its variables and open incidents. */
export interface InstanceDetail extends InstanceRecord {
  readonly variables: Record<string, JsonValue>;
  readonly incidents: Incident[];
}

/** A row of the instance list: the instance with the names a person reads. */
export interface InstanceListItem extends InstanceRecord {
  /** The name of the version it runs. */
  readonly templateName: string | null;
  readonly orgUnitName: string | null;
  /** The names (else element ids) of its open user tasks, oldest first. */
  readonly openTaskNames: string[];
}

/** What narrows the instance list (every one given must hold). */
export interface InstanceListFilter {
  readonly templateKey?: string;
  readonly businessKey?: string;
  /** Instances of this unit only. */
  readonly orgUnitId?: string;
  /** Instances of the unit at this path and those below it. */
  readonly underUnitPath?: string;
  readonly state?: DisplayState;
  /** Started at or after / before (ISO timestamps). */
  readonly startedFrom?: string;
  readonly startedBefore?: string;
}

/** What the diagram page of an instance shows beside the per-element counts. */
export interface InstanceDiagramRecord {
  readonly templateKey: string;
  readonly version: number;
  readonly templateName: string | null;
  readonly orgUnitName: string | null;
  /** The BPMN of the version it runs. */
  readonly xml: string | null;
  readonly variables: Record<string, JsonValue>;
  /** The element instances running now (engine state). */
  readonly live: { elementId: string; kind: string }[];
  /** The open incidents (engine state). */
  readonly incidents: { elementId: string }[];
}

/** One event of an instance's audit stream. */
export interface InstanceEventRecord {
  readonly seq: number;
  readonly type: string;
  readonly actor: string;
  readonly elementId: string | null;
  readonly data: Record<string, JsonValue>;
  readonly at: Date;
  readonly hash: string;
}

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

interface InstanceDetailRow extends InstanceRow {
  variables: Record<string, JsonValue>;
  incidents: Record<string, Incident> | null;
}

interface InstanceListRow extends InstanceRow {
  total: number;
  template_name: string | null;
  org_unit_name: string | null;
  open_task_names: string[];
}

interface DiagramRow {
  template_key: string;
  version: number;
  template_name: string | null;
  org_unit_name: string | null;
  xml: string | null;
  variables: Record<string, JsonValue>;
  live: { elementId: string; kind: string }[] | null;
  incidents: { elementId: string }[] | null;
}

interface EventRow {
  seq: number;
  type: string;
  actor: string;
  element_id: string | null;
  data: Record<string, JsonValue>;
  at: Date;
  hash: string;
}

const SUMMARY_COLUMNS = `id, template_key, version, business_key, org_unit_id, state, started_by, created_at,
  updated_at, ended_at`;

/**
 * The api's reads of `process_instances` with what it shows beside them: the open tasks, the
 * version's diagram and forms, the instance's audit stream. Writes go through InstanceRuntime.
 * Access is the caller's: each method answers what it is asked (a list takes the scope).
 */
export class InstancesRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The instance with its variables and incidents (engine state), or null when there is none;
   * by primary key.
   */
  async find(id: string, db: DataSource | EntityManager = this.db): Promise<InstanceDetail | null> {
    const [row] = await db.query<InstanceDetailRow[]>(
      `SELECT ${SUMMARY_COLUMNS}, variables, engine_state->'incidents' AS incidents
         FROM process_instances WHERE id = $1`,
      [id],
    );
    if (!row) return null;
    return {
      ...toRecord(row),
      variables: row.variables,
      incidents: Object.values(row.incidents ?? {}),
    };
  }

  /**
   * The instance (as `find`) and its open tasks (as `openTasks`) as of one moment: both read in
   * one read-only REPEATABLE READ transaction, so a step committed between the two reads cannot
   * show its new tasks beside the variables from before it.
   */
  findWithOpenTasks(
    id: string,
  ): Promise<{ instance: InstanceDetail; openTasks: OpenTaskRow[] } | null> {
    return this.db.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      const instance = await this.find(id, manager);
      return instance ? { instance, openTasks: await this.openTasks(id, manager) } : null;
    });
  }

  /**
   * The instance's org unit: `{ orgUnitId }` (null for an instance without a unit), or null when
   * there is no such instance; by primary key.
   */
  async orgUnitOf(id: string): Promise<{ readonly orgUnitId: string | null } | null> {
    // prepared: asked with every task list of an instance (polled after each step)
    const [row] = await preparedQuery<{ org_unit_id: string | null }>(
      this.db,
      `SELECT org_unit_id FROM process_instances WHERE id = $1`,
      [id],
    );
    return row ? { orgUnitId: row.org_unit_id } : null;
  }

  /**
   * Which of `slots` (org unit, business key) an instance of `templateKey` holds already, as
   * the same pairs: business keys are unique per template within a unit.
   */
  async takenBusinessKeys(
    templateKey: string,
    slots: readonly { readonly orgUnitId: string | null; readonly businessKey: string | null }[],
  ): Promise<{ orgUnitId: string | null; businessKey: string }[]> {
    const rows = await this.db.query<{ org_unit_id: string | null; business_key: string }[]>(
      `SELECT p.org_unit_id, p.business_key FROM process_instances p
         JOIN unnest($2::text[], $3::text[]) AS w (org_unit_id, business_key)
           ON p.org_unit_id = w.org_unit_id AND p.business_key = w.business_key
        WHERE p.template_key = $1`,
      [templateKey, slots.map((slot) => slot.orgUnitId), slots.map((slot) => slot.businessKey)],
    );
    return rows.map((row) => ({ orgUnitId: row.org_unit_id, businessKey: row.business_key }));
  }

  /** The instance's variables and org unit (what a form's member pickers offer), or null. */
  async variablesOf(id: string): Promise<{
    readonly variables: Record<string, unknown>;
    readonly orgUnitId: string | null;
  } | null> {
    const [row] = await this.db.query<
      { variables: Record<string, unknown>; org_unit_id: string | null }[]
    >(`SELECT variables, org_unit_id FROM process_instances WHERE id = $1`, [id]);
    return row ? { variables: row.variables, orgUnitId: row.org_unit_id } : null;
  }

  /**
   * The instance's open tasks, oldest first (engine key order within a step);
   * tasks_instance_idx (instance_id).
   */
  openTasks(id: string, db: DataSource | EntityManager = this.db): Promise<OpenTaskRow[]> {
    return db.query<OpenTaskRow[]>(
      `SELECT id, kind, element_id, name, assignee, candidate_groups, candidate_users, due_at,
              claimed_by
         FROM tasks WHERE instance_id = $1 AND state = 'open'
        ORDER BY created_at, length(engine_key), engine_key`,
      [id],
    );
  }

  /**
   * A page of the instances of the units in `scope` that pass `filter`, newest first, with
   * their template's and unit's names and the names of their open user tasks, and how many
   * pass in all. process_instances_created_idx (created_at DESC, id), or with a template
   * process_instances_template_created_idx; process_instances_org_unit_idx for one unit;
   * tasks_instance_idx for the page's task names.
   */
  async list(
    scope: UnitScope,
    filter: InstanceListFilter,
    page: { readonly limit: number; readonly offset: number },
  ): Promise<{ items: InstanceListItem[]; total: number }> {
    const params: unknown[] = [];
    const where: string[] = [unitScopeCondition(scope, 'o.path', params)];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.templateKey !== undefined) add('i.template_key = ?', filter.templateKey);
    if (filter.businessKey !== undefined) add('i.business_key = ?', filter.businessKey);
    if (filter.underUnitPath !== undefined) add('starts_with(o.path, ?)', filter.underUnitPath);
    if (filter.orgUnitId !== undefined) add('i.org_unit_id = ?', filter.orgUnitId);
    if (filter.state !== undefined) add('i.state = ?::instance_state', filter.state);
    if (filter.startedFrom !== undefined) add('i.created_at >= ?', filter.startedFrom);
    if (filter.startedBefore !== undefined) add('i.created_at < ?', filter.startedBefore);
    const from = `process_instances i LEFT JOIN org_units o ON o.id = i.org_unit_id`;
    const clause = `WHERE ${where.join(' AND ')}`;
    const rows = await this.db.query<InstanceListRow[]>(
      `SELECT page.*,
              (SELECT pd.name FROM process_definitions pd
                WHERE pd.key = page.template_key AND pd.version = page.version) AS template_name,
              (SELECT u.name FROM org_units u WHERE u.id = page.org_unit_id) AS org_unit_name,
              ARRAY(SELECT coalesce(t.name, t.element_id) FROM tasks t
                     WHERE t.instance_id = page.id AND t.state = 'open' AND t.kind = 'user'
                     ORDER BY t.created_at, length(t.engine_key), t.engine_key) AS open_task_names
         FROM (SELECT ${SUMMARY_COLUMNS.replace(/(\w+)/g, 'i.$1')}, count(*) OVER ()::int AS total
                 FROM ${from} ${clause}
                ORDER BY i.created_at DESC, i.id
                LIMIT $${params.length + 1} OFFSET $${params.length + 2}) page
        ORDER BY page.created_at DESC, page.id`,
      [...params, page.limit, page.offset],
    );
    // A page past the end carries no total: count on its own
    const total = rows[0]?.total ?? (await this.count(`${from} ${clause}`, params));
    return {
      items: rows.map((row) => ({
        ...toRecord(row),
        templateName: row.template_name,
        orgUnitName: row.org_unit_name,
        openTaskNames: row.open_task_names,
      })),
      total,
    };
  }

  /**
   * The instance's version (its name and BPMN), unit name, variables, and the element
   * instances and incidents of its engine state; null when there is no such instance. By
   * primary keys.
   */
  async diagram(id: string): Promise<InstanceDiagramRecord | null> {
    const [row] = await this.db.query<DiagramRow[]>(
      `SELECT i.template_key, i.version, pd.name AS template_name, o.name AS org_unit_name, d.xml,
              i.variables,
              (SELECT jsonb_agg(e.value) FROM jsonb_each(i.engine_state->'elements') e) AS live,
              (SELECT jsonb_agg(e.value) FROM jsonb_each(i.engine_state->'incidents') e) AS incidents
         FROM process_instances i
         JOIN process_definitions pd ON pd.id = i.definition_id
         JOIN deployments d ON d.id = pd.deployment_id
         LEFT JOIN org_units o ON o.id = i.org_unit_id
        WHERE i.id = $1`,
      [id],
    );
    if (!row) return null;
    return {
      templateKey: row.template_key,
      version: row.version,
      templateName: row.template_name,
      orgUnitName: row.org_unit_name,
      xml: row.xml,
      variables: row.variables,
      live: row.live ?? [],
      incidents: row.incidents ?? [],
    };
  }

  /**
   * How many times each element of the instance completed (its `element.completed` audit
   * events), by element id; elements that never completed are absent. audit_events_pkey
   * (stream, seq).
   */
  async completedElements(id: string): Promise<Map<string, number>> {
    const rows = await this.db.query<{ element_id: string; n: number }[]>(
      `SELECT element_id, count(*)::int AS n FROM audit_events
        WHERE stream = $1 AND type = 'element.completed' AND element_id IS NOT NULL
        GROUP BY element_id`,
      [id],
    );
    return new Map(rows.map((row) => [row.element_id, row.n]));
  }

  /**
   * The forms (form-js JSON) deployed with the version the instance runs, in the order they
   * were deployed; deployment_forms_pkey (deployment_id, form_id).
   */
  async forms(id: string): Promise<unknown[]> {
    const rows = await this.db.query<{ json: unknown }[]>(
      `SELECT df.json FROM deployment_forms df
         JOIN process_definitions pd ON pd.deployment_id = df.deployment_id
         JOIN process_instances i ON i.definition_id = pd.id
        WHERE i.id = $1 ORDER BY df.seq`,
      [id],
    );
    return rows.map((row) => row.json);
  }

  /** The instance's audit events (its own hash chain), in order; audit_events_pkey (stream, seq). */
  async history(id: string): Promise<InstanceEventRecord[]> {
    const rows = await this.db.query<EventRow[]>(
      `SELECT seq, type, actor, element_id, data, at, hash FROM audit_events
        WHERE stream = $1 ORDER BY seq`,
      [id],
    );
    return rows.map((row) => ({
      seq: row.seq,
      type: row.type,
      actor: row.actor,
      elementId: row.element_id,
      data: row.data,
      at: row.at,
      hash: row.hash,
    }));
  }

  /** How many rows `FROM <fromAndWhere>` has. */
  private async count(fromAndWhere: string, params: unknown[]): Promise<number> {
    const [row] = await this.db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ${fromAndWhere}`,
      params,
    );
    return row?.n ?? 0;
  }
}

function toRecord(row: InstanceRow): InstanceRecord {
  return {
    id: row.id,
    templateKey: row.template_key,
    version: row.version,
    businessKey: row.business_key,
    orgUnitId: row.org_unit_id,
    state: row.state,
    startedBy: row.started_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
  };
}
