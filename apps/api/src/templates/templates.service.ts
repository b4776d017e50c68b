import { DATA_SOURCE } from '@app/runtime';
import { DeploymentService, RuntimeException, RuntimeExceptionCode } from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
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

const COLUMNS = `pd.id, pd.key, pd.version, count(*) OVER (PARTITION BY pd.key)::int AS versions, pd.name,
  pd.checksum, pd.deployment_id, d.name AS file, d.deployed_by, d.deployed_at`;

@Injectable()
export class TemplatesService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(DeploymentService) private readonly deployments: DeploymentService,
  ) {}

  /** Deploys a BPMN file; refused whole (TEMPLATE_INVALID, with every problem) when invalid. */
  async deploy(name: string, xml: string, actor: string): Promise<DeployResultDto> {
    const result = await this.deployments.deploy(name, xml, actor);
    const [first] = result.processes;
    if (!first) throw new Error('a valid template has at least one process');
    return {
      ...first,
      created: result.processes.some((process) => process.created),
      deploymentId: result.deploymentId,
      checksum: result.checksum,
      processes: result.processes.map((process) => ({ ...process })),
    };
  }

  /** The latest version of every key. */
  async list(): Promise<TemplateDto[]> {
    const rows = await this.dataSource.query<TemplateRow[]>(
      `SELECT DISTINCT ON (pd.key) ${COLUMNS}
         FROM process_definitions pd JOIN deployments d ON d.id = pd.deployment_id
        ORDER BY pd.key, pd.version DESC`,
    );
    return rows.map(toTemplate);
  }

  /** The latest version of a key (or the given one), with its XML. */
  async get(key: string, version?: number): Promise<TemplateDetailDto> {
    const [row] = await this.dataSource.query<TemplateRow[]>(
      `SELECT * FROM (
         SELECT ${COLUMNS}, d.xml
           FROM process_definitions pd JOIN deployments d ON d.id = pd.deployment_id
          WHERE pd.key = $1) t
        WHERE $2::int IS NULL OR t.version = $2
        ORDER BY t.version DESC LIMIT 1`,
      [key, version ?? null],
    );
    if (!row) {
      throw new RuntimeException(
        RuntimeExceptionCode.TEMPLATE_NOT_FOUND,
        version === undefined
          ? `no template '${key}' is deployed`
          : `template '${key}' has no version ${version}`,
      );
    }
    return { ...toTemplate(row), xml: row.xml ?? '' };
  }
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
