import { type NameBook, type Principal, type Role, hasRole, lookupNames } from '@app/org';
import { DATA_SOURCE } from '@app/runtime';
import {
  type DeploymentForms,
  DeploymentService,
  RuntimeException,
  RuntimeExceptionCode,
} from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { taskScopeSql, unitScopeSql } from '../auth/scope.sql.js';
import type {
  DeployResultDto,
  TemplateDetailDto,
  TemplateDto,
  TemplateVersionDto,
} from './dto/template.dto.js';

interface TemplateRow {
  id: string;
  key: string;
  version: number;
  versions: number;
  name: string | null;
  checksum: string;
  deployment_id: string;
  file: string;
  deployed_by: string;
  deployed_at: Date;
  xml?: string;
}

/** Roles that read every template with its XML; anyone else reads only what their tasks need. */
export const TEMPLATE_READERS: readonly Role[] = ['integrator', 'secretary', 'supervisor', 'admin'];

/**
 * Roles that manage templates and see how many instances run on each version: counted over
 * the instances of the units below their grants (an integrator or admin of the committee: all).
 */
export const TEMPLATE_MANAGERS: readonly Role[] = ['integrator', 'admin'];

/** Who deployed a version, for people: the user's name; the start-up deployment of the folder. */
const STARTUP_ACTOR = 'system:startup';
const STARTUP_NAME = '系统（启动时部署）';

const COLUMNS = `pd.id, pd.key, pd.version, count(*) OVER (PARTITION BY pd.key)::int AS versions, pd.name,
  pd.checksum, pd.deployment_id, d.name AS file, d.deployed_by, d.deployed_at`;

@Injectable()
export class TemplatesService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(DeploymentService) private readonly deployments: DeploymentService,
  ) {}

  /**
   * Deploys a BPMN file with its forms; refused whole (TEMPLATE_INVALID, with every problem)
   * when the file or a form it names is invalid or missing.
   */
  async deploy(
    name: string,
    xml: string,
    actor: string,
    forms: DeploymentForms = {},
  ): Promise<DeployResultDto> {
    const result = await this.deployments.deploy(name, xml, actor, forms);
    const [first] = result.processes;
    if (!first) throw new Error('a valid template has at least one process');
    return {
      ...first,
      created: result.processes.some((process) => process.created),
      deploymentId: result.deploymentId,
      checksum: result.checksum,
      forms: [...result.forms],
      processes: result.processes.map((process) => ({ ...process })),
    };
  }

  /**
   * The latest version of every key the principal reads (see `readable`); with `counts` (for
   * TEMPLATE_MANAGERS, checked by the caller), each with its running instances (every version)
   * in the units below the principal's manager grants.
   */
  async list(principal: Principal, counts = false): Promise<TemplateDto[]> {
    const params: unknown[] = [];
    const rows = await this.dataSource.query<TemplateRow[]>(
      `SELECT DISTINCT ON (pd.key) ${COLUMNS}
         FROM process_definitions pd JOIN deployments d ON d.id = pd.deployment_id
        WHERE ${readable(principal, params)}
        ORDER BY pd.key, pd.version DESC`,
      params,
    );
    const names = await this.names(rows);
    const templates = rows.map((row) => toTemplate(row, names));
    if (!counts || templates.length === 0) return templates;
    const countParams: unknown[] = [templates.map((template) => template.key)];
    const scope = unitScopeSql(principal, TEMPLATE_MANAGERS, 'o.path', countParams);
    // process_instances_live_idx (template_key) WHERE state IN ('active', 'incident')
    const running = await this.dataSource.query<{ key: string; n: number }[]>(
      `SELECT i.template_key AS key, count(*)::int AS n
         FROM process_instances i LEFT JOIN org_units o ON o.id = i.org_unit_id
        WHERE i.template_key = ANY($1::text[]) AND i.state IN ('active', 'incident')
          AND ${scope}
        GROUP BY i.template_key`,
      countParams,
    );
    const byKey = new Map(running.map((row) => [row.key, row.n]));
    return templates.map((template) => ({ ...template, running: byKey.get(template.key) ?? 0 }));
  }

  /**
   * Every version of a key, newest first, with the forms its deployment carries and the
   * instances on it (running: active or with an incident; completed; terminated) in the units
   * below the principal's manager grants. Empty when no version is deployed.
   */
  async versions(key: string, principal: Principal): Promise<TemplateVersionDto[]> {
    const rows = await this.dataSource.query<(TemplateRow & { forms: string[] | null })[]>(
      `SELECT ${COLUMNS},
              (SELECT array_agg(f.form_id ORDER BY f.form_id) FROM deployment_forms f
                WHERE f.deployment_id = pd.deployment_id) AS forms
         FROM process_definitions pd JOIN deployments d ON d.id = pd.deployment_id
        WHERE pd.key = $1
        ORDER BY pd.version DESC`,
      [key],
    );
    if (rows.length === 0) return [];
    const params: unknown[] = [key];
    const scope = unitScopeSql(principal, TEMPLATE_MANAGERS, 'o.path', params);
    const counts = await this.dataSource.query<{ version: number; state: string; n: number }[]>(
      `SELECT i.version, i.state::text AS state, count(*)::int AS n
         FROM process_instances i LEFT JOIN org_units o ON o.id = i.org_unit_id
        WHERE i.template_key = $1 AND ${scope}
        GROUP BY i.version, i.state`,
      params,
    );
    const count = (version: number, states: readonly string[]) =>
      counts
        .filter((row) => row.version === version && states.includes(row.state))
        .reduce((sum, row) => sum + row.n, 0);
    const names = await this.names(rows);
    return rows.map((row) => ({
      ...toTemplate(row, names),
      forms: row.forms ?? [],
      running: count(row.version, ['active', 'incident']),
      completed: count(row.version, ['completed']),
      terminated: count(row.version, ['terminated']),
    }));
  }

  /** The names of the people who deployed these rows (one batched lookup). */
  private names(rows: readonly TemplateRow[]): Promise<NameBook> {
    return lookupNames(this.dataSource.manager, { people: rows.map((row) => row.deployed_by) });
  }

  /**
   * The latest version of a key (or the given one), with its XML, when the principal reads
   * it; `hidden` is told when the template exists but is not the principal's to read, and the
   * answer is then the same 404 as for a template that does not exist.
   */
  async get(
    key: string,
    version: number | undefined,
    principal: Principal,
    hidden: (reason: string, absent: Error) => Promise<never>,
  ): Promise<TemplateDetailDto> {
    const params: unknown[] = [key, version ?? null];
    const [row] = await this.dataSource.query<(TemplateRow & { readable: boolean })[]>(
      `SELECT * FROM (
         SELECT ${COLUMNS}, d.xml, ${readable(principal, params)} AS readable
           FROM process_definitions pd JOIN deployments d ON d.id = pd.deployment_id
          WHERE pd.key = $1) t
        WHERE $2::int IS NULL OR t.version = $2
        ORDER BY t.version DESC LIMIT 1`,
      params,
    );
    const absent = new RuntimeException(
      RuntimeExceptionCode.TEMPLATE_NOT_FOUND,
      version === undefined
        ? `no template '${key}' is deployed`
        : `template '${key}' has no version ${version}`,
    );
    if (!row) throw absent;
    if (!row.readable) {
      return hidden(`template '${key}' is needed by none of your open tasks`, absent);
    }
    return { ...toTemplate(row, await this.names([row])), xml: row.xml ?? '' };
  }
}

/**
 * The templates (alias `pd`) a principal reads: all of them for integrators, secretaries,
 * supervisors and admins; for anyone else (members) only the templates of instances in which it has an
 * open task it sees (the version of that instance).
 */
function readable(principal: Principal, params: unknown[]): string {
  if (TEMPLATE_READERS.some((role) => hasRole(principal, role))) return 'TRUE';
  const tasks = taskScopeSql(principal, { task: 't', unitPath: 'o.path' }, params);
  return `EXISTS (
    SELECT 1 FROM process_instances i
      JOIN tasks t ON t.instance_id = i.id AND t.state = 'open'
      LEFT JOIN org_units o ON o.id = i.org_unit_id
     WHERE i.template_key = pd.key AND i.version = pd.version AND ${tasks})`;
}

function toTemplate(row: TemplateRow, names: NameBook): TemplateDto {
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    versions: row.versions,
    name: row.name,
    checksum: row.checksum,
    deploymentId: row.deployment_id,
    file: row.file,
    deployedBy: row.deployed_by,
    deployedByName:
      row.deployed_by === STARTUP_ACTOR ? STARTUP_NAME : names.label(row.deployed_by, null),
    deployedAt: row.deployed_at,
  };
}
