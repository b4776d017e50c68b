import type { DataSource } from 'typeorm';
import {
  type TaskScope,
  type UnitScope,
  taskScopeCondition,
  unitScopeCondition,
} from './scope.sql.js';

/** A deployed version of a template, with its deployment. */
export interface TemplateRecord {
  readonly id: string;
  readonly key: string;
  readonly version: number;
  /** How many versions of the key are deployed. */
  readonly versions: number;
  readonly name: string | null;
  readonly checksum: string;
  readonly deploymentId: string;
  /** The deployment's file name. */
  readonly file: string;
  readonly deployedBy: string;
  readonly deployedAt: Date;
}

/** A version with the ids of the forms its deployment carries (by id). */
export interface TemplateVersionRecord extends TemplateRecord {
  readonly forms: string[];
}

/** A version with its BPMN, and whether the caller reads it. */
export interface TemplateDetailRecord extends TemplateRecord {
  readonly xml: string;
  readonly readable: boolean;
}

/**
 * Which templates a caller reads: all of them (null), or only the versions of instances in
 * which it has an open task it sees (the TaskScope of those tasks).
 */
export type TemplateReadScope = TaskScope | null;

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
}

const COLUMNS = `pd.id, pd.key, pd.version, count(*) OVER (PARTITION BY pd.key)::int AS versions, pd.name,
  pd.checksum, pd.deployment_id, d.name AS file, d.deployed_by, d.deployed_at`;

/**
 * The api's reads of `process_definitions` with their deployments, and the instance counts the
 * templates pages show. Deploying goes through DeploymentService.
 */
export class TemplatesRepository {
  constructor(private readonly db: DataSource) {}

  /** Whether any version of `key` is deployed. */
  async isDeployed(key: string): Promise<boolean> {
    const [row] = await this.db.query<{ found: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM process_definitions WHERE key = $1) AS found`,
      [key],
    );
    return row?.found ?? false;
  }

  /**
   * The latest version of every key the caller reads, by key; process_definitions_key_version_uq
   * (key, version).
   */
  async latest(read: TemplateReadScope): Promise<TemplateRecord[]> {
    const params: unknown[] = [];
    const rows = await this.db.query<TemplateRow[]>(
      `SELECT DISTINCT ON (pd.key) ${COLUMNS}
         FROM process_definitions pd JOIN deployments d ON d.id = pd.deployment_id
        WHERE ${readable(read, params)}
        ORDER BY pd.key, pd.version DESC`,
      params,
    );
    return rows.map(toRecord);
  }

  /**
   * How many instances of each of `keys` (every version) run — active or with an incident — in
   * the units of `scope`; keys without any are absent. process_instances_live_idx
   * (template_key) WHERE state IN ('active', 'incident').
   */
  async running(keys: readonly string[], scope: UnitScope): Promise<Map<string, number>> {
    const params: unknown[] = [[...keys]];
    const condition = unitScopeCondition(scope, 'o.path', params);
    const rows = await this.db.query<{ key: string; n: number }[]>(
      `SELECT i.template_key AS key, count(*)::int AS n
         FROM process_instances i LEFT JOIN org_units o ON o.id = i.org_unit_id
        WHERE i.template_key = ANY($1::text[]) AND i.state IN ('active', 'incident')
          AND ${condition}
        GROUP BY i.template_key`,
      params,
    );
    return new Map(rows.map((row) => [row.key, row.n]));
  }

  /**
   * Every version of a key, newest first, with the forms its deployment carries;
   * process_definitions_key_version_uq (key, version), deployment_forms_pkey (deployment_id,
   * form_id). Empty when no version is deployed.
   */
  async versions(key: string): Promise<TemplateVersionRecord[]> {
    const rows = await this.db.query<(TemplateRow & { forms: string[] | null })[]>(
      `SELECT ${COLUMNS},
              (SELECT array_agg(f.form_id ORDER BY f.form_id) FROM deployment_forms f
                WHERE f.deployment_id = pd.deployment_id) AS forms
         FROM process_definitions pd JOIN deployments d ON d.id = pd.deployment_id
        WHERE pd.key = $1
        ORDER BY pd.version DESC`,
      [key],
    );
    return rows.map((row) => ({ ...toRecord(row), forms: row.forms ?? [] }));
  }

  /**
   * How many instances of the key are in each state, per version, in the units of `scope`
   * (pairs without any are absent); process_instances_template_created_idx (template_key, …).
   */
  async countsByVersion(
    key: string,
    scope: UnitScope,
  ): Promise<{ version: number; state: string; n: number }[]> {
    const params: unknown[] = [key];
    const condition = unitScopeCondition(scope, 'o.path', params);
    return this.db.query<{ version: number; state: string; n: number }[]>(
      `SELECT i.version, i.state::text AS state, count(*)::int AS n
         FROM process_instances i LEFT JOIN org_units o ON o.id = i.org_unit_id
        WHERE i.template_key = $1 AND ${condition}
        GROUP BY i.version, i.state`,
      params,
    );
  }

  /**
   * The latest version of a key (or the given one) with its BPMN, and whether `read` reads it;
   * null when there is no such version. process_definitions_key_version_uq (key, version).
   */
  async find(
    key: string,
    version: number | undefined,
    read: TemplateReadScope,
  ): Promise<TemplateDetailRecord | null> {
    const params: unknown[] = [key, version ?? null];
    const [row] = await this.db.query<(TemplateRow & { xml: string | null; readable: boolean })[]>(
      `SELECT * FROM (
         SELECT ${COLUMNS}, d.xml, ${readable(read, params)} AS readable
           FROM process_definitions pd JOIN deployments d ON d.id = pd.deployment_id
          WHERE pd.key = $1) t
        WHERE $2::int IS NULL OR t.version = $2
        ORDER BY t.version DESC LIMIT 1`,
      params,
    );
    if (!row) return null;
    return { ...toRecord(row), xml: row.xml ?? '', readable: row.readable };
  }
}

/**
 * The condition on the templates (alias `pd`) `read` reads: TRUE for all; else the versions of
 * instances in which one of the open tasks it sees is.
 */
function readable(read: TemplateReadScope, params: unknown[]): string {
  if (read === null) return 'TRUE';
  const tasks = taskScopeCondition(read, { task: 't', unitPath: 'o.path' }, params);
  return `EXISTS (
    SELECT 1 FROM process_instances i
      JOIN tasks t ON t.instance_id = i.id AND t.state = 'open'
      LEFT JOIN org_units o ON o.id = i.org_unit_id
     WHERE i.template_key = pd.key AND i.version = pd.version AND ${tasks})`;
}

function toRecord(row: TemplateRow): TemplateRecord {
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
