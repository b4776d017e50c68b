import {
  type NameBook,
  type Principal,
  type Role,
  UNIT_READERS,
  hasRole,
  identities,
  lookupNames,
  scopePaths,
} from '@app/org';
import { DATA_SOURCE } from '@app/runtime';
import {
  type DeploymentForms,
  DeploymentService,
  RuntimeException,
  RuntimeExceptionCode,
  type TemplateReadScope,
  type TemplateRecord,
  TemplatesRepository,
} from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type {
  DeployResultDto,
  TemplateDetailDto,
  TemplateDto,
  TemplateVersionDto,
} from './dto/template.dto.js';

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

@Injectable()
export class TemplatesService {
  private readonly templates: TemplatesRepository;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(DeploymentService) private readonly deployments: DeploymentService,
  ) {
    this.templates = new TemplatesRepository(dataSource);
  }

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
    const rows = await this.templates.latest(readScope(principal));
    const names = await this.names(rows);
    const templates = rows.map((row) => toTemplate(row, names));
    if (!counts || templates.length === 0) return templates;
    const byKey = await this.templates.running(
      templates.map((template) => template.key),
      scopePaths(principal, TEMPLATE_MANAGERS),
    );
    return templates.map((template) => ({ ...template, running: byKey.get(template.key) ?? 0 }));
  }

  /**
   * Every version of a key, newest first, with the forms its deployment carries and the
   * instances on it (running: active or with an incident; completed; terminated) in the units
   * below the principal's manager grants. Empty when no version is deployed.
   */
  async versions(key: string, principal: Principal): Promise<TemplateVersionDto[]> {
    const rows = await this.templates.versions(key);
    if (rows.length === 0) return [];
    const counts = await this.templates.countsByVersion(
      key,
      scopePaths(principal, TEMPLATE_MANAGERS),
    );
    const count = (version: number, states: readonly string[]) =>
      counts
        .filter((row) => row.version === version && states.includes(row.state))
        .reduce((sum, row) => sum + row.n, 0);
    const names = await this.names(rows);
    return rows.map((row) => ({
      ...toTemplate(row, names),
      forms: row.forms,
      running: count(row.version, ['active', 'incident']),
      completed: count(row.version, ['completed']),
      terminated: count(row.version, ['terminated']),
    }));
  }

  /** The names of the people who deployed these rows (one batched lookup). */
  private names(rows: readonly TemplateRecord[]): Promise<NameBook> {
    return lookupNames(this.dataSource.manager, { people: rows.map((row) => row.deployedBy) });
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
    const row = await this.templates.find(key, version, readScope(principal));
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
    return { ...toTemplate(row, await this.names([row])), xml: row.xml };
  }
}

/**
 * The templates a principal reads: all of them for integrators, secretaries, supervisors and
 * admins; for anyone else (members) only the templates of instances in which it has an open
 * task it sees (the version of that instance): every task of the units it reads, and wherever
 * they are, the tasks assigned or offered to it — by id, or through the `member` group of its
 * own unit.
 */
function readScope(principal: Principal): TemplateReadScope {
  if (TEMPLATE_READERS.some((role) => hasRole(principal, role))) return null;
  return {
    readPaths: scopePaths(principal, UNIT_READERS),
    identities: identities(principal),
    memberPaths: scopePaths(principal, ['member']),
  };
}

function toTemplate(row: TemplateRecord, names: NameBook): TemplateDto {
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    versions: row.versions,
    name: row.name,
    checksum: row.checksum,
    deploymentId: row.deploymentId,
    file: row.file,
    deployedBy: row.deployedBy,
    deployedByName:
      row.deployedBy === STARTUP_ACTOR ? STARTUP_NAME : names.label(row.deployedBy, null),
    deployedAt: row.deployedAt,
  };
}
