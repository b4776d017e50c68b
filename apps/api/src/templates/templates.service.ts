import { type Principal, type Role, hasRole } from '@app/org';
import { DATA_SOURCE } from '@app/runtime';
import {
  type DeploymentForms,
  DeploymentService,
  RuntimeException,
  RuntimeExceptionCode,
} from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { taskScopeSql } from '../auth/scope.sql.js';
import type { DeployResultDto, TemplateDetailDto, TemplateDto } from './dto/template.dto.js';

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
export const TEMPLATE_READERS: readonly Role[] = ['integrator', 'secretary', 'supervisor'];

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

  /** The latest version of every key the principal reads (see `readable`). */
  async list(principal: Principal): Promise<TemplateDto[]> {
    const params: unknown[] = [];
    const rows = await this.dataSource.query<TemplateRow[]>(
      `SELECT DISTINCT ON (pd.key) ${COLUMNS}
         FROM process_definitions pd JOIN deployments d ON d.id = pd.deployment_id
        WHERE ${readable(principal, params)}
        ORDER BY pd.key, pd.version DESC`,
      params,
    );
    return rows.map(toTemplate);
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
    return { ...toTemplate(row), xml: row.xml ?? '' };
  }
}

/**
 * The templates (alias `pd`) a principal reads: all of them for integrators, secretaries and
 * supervisors; for anyone else (members) only the templates of instances in which it has an
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

function toTemplate(row: TemplateRow): TemplateDto {
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
    deployedAt: row.deployed_at,
  };
}
