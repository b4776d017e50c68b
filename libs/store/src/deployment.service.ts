import { createHash } from 'node:crypto';
import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import {
  DEFAULT_FORM_LIMITS,
  type FormLimits,
  type ProcessGraph,
  type StaticCall,
  type LintOptions,
  callCycleProblems,
  formReferenceProblems,
  formReferences,
  lintBpmn,
  staticCalls,
} from '@app/bpmn';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from './clock.js';
import { type DefinitionCache, definitionRef } from './definition-cache.js';
import { RuntimeException, RuntimeExceptionCode } from './runtime.exception.js';

export interface DeployedProcess {
  readonly id: string;
  readonly key: string;
  readonly version: number;
  readonly name: string | null;
  /** false when this exact file was already the latest version of the process. */
  readonly created: boolean;
}

export interface DeployResult {
  readonly deploymentId: string | null;
  readonly checksum: string;
  readonly processes: readonly DeployedProcess[];
  /** The forms the deployment carries (every form its user tasks name), by id. */
  readonly forms: readonly string[];
}

/** A form given with a deployment: its id (what `zeebe:formDefinition` names) → form-js JSON. */
export type DeploymentForms = Readonly<Record<string, unknown>>;

/**
 * Deploys BPMN files. Each executable process becomes a version of its key; a file whose
 * processes are all already deployed from the same bytes (checksum) changes nothing. An invalid
 * file is refused whole, with the problems `cli lint` prints; nothing is half-deployed (one
 * transaction, serialised by an advisory lock so two deployers cannot take the same version).
 * A file whose call activities would form a cycle of static calls with the latest versions
 * already deployed (A calls B, deployed B calls A) is refused like an invalid one.
 *
 * Forms deploy with the file: every form a user task names (`zeebe:formDefinition`) is taken
 * from the forms given with it, else from the latest deployment that carried a form of that
 * id; a form found in neither, or not valid form-js, refuses the file. The deployment keeps a
 * copy of each (`deployment_forms`), and the checksum covers the XML and those forms, so a
 * changed form is a new version and a task shows the form of its instance's version. Forms
 * given but named by no user task are not kept.
 */
export class DeploymentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly definitions: DefinitionCache,
    private readonly clock: Clock,
    private readonly limits: LintOptions = {},
    private readonly formLimits: FormLimits = DEFAULT_FORM_LIMITS,
  ) {}

  async deploy(
    name: string,
    xml: string,
    actor: string,
    givenForms: DeploymentForms = {},
  ): Promise<DeployResult> {
    const { problems, definitions } = await lintBpmn(xml, this.limits);
    if (!definitions) {
      throw new RuntimeException(
        RuntimeExceptionCode.TEMPLATE_INVALID,
        `流程模板「${name}」有误，未能部署：共 ${problems.length} 处问题，逐项说明如下`,
        problems,
      );
    }
    const graphs = Object.values(definitions.processes);
    const now = this.clock.now();
    const result = await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('branchflow.deploy'))`);
      const forms = await this.formsOf(manager, graphs, givenForms);
      const formFailures = formReferenceProblems(
        graphs,
        forms,
        'give it with the deployment (forms) or deploy it first',
        this.formLimits,
      );
      if (formFailures.length > 0) {
        throw new RuntimeException(
          RuntimeExceptionCode.TEMPLATE_INVALID,
          `流程模板「${name}」的表单有误，未能部署：共 ${formFailures.length} 处问题，逐项说明如下`,
          formFailures,
        );
      }
      const checksum = deploymentChecksum(xml, forms);
      const cycles = callCycleProblems(
        await reachableCalls(manager, graphs),
        graphs.map((graph) => graph.id),
      );
      if (cycles.length > 0) {
        throw new RuntimeException(
          RuntimeExceptionCode.TEMPLATE_INVALID,
          `流程模板「${name}」有误，未能部署：它的调用活动与已部署的模板互相调用，形成循环`,
          cycles,
        );
      }
      const latest = await manager.query<
        { id: string; key: string; version: number; name: string | null; checksum: string }[]
      >(
        `SELECT DISTINCT ON (key) id, key, version, name, checksum FROM process_definitions
          WHERE key = ANY($1::text[]) ORDER BY key, version DESC`,
        [graphs.map((graph) => graph.id)],
      );
      const byKey = new Map(latest.map((row) => [row.key, row]));
      const changed = graphs.filter((graph) => byKey.get(graph.id)?.checksum !== checksum);
      if (changed.length === 0) {
        return {
          deploymentId: null,
          checksum,
          forms: [...forms.keys()],
          processes: graphs.map((graph) => {
            const row = byKey.get(graph.id);
            if (!row) throw new Error('unreachable');
            return {
              id: row.id,
              key: row.key,
              version: row.version,
              name: row.name,
              created: false,
            };
          }),
          added: [] as { graph: ProcessGraph; version: number }[],
        };
      }
      const [deployment] = await manager.query<{ id: string }[]>(
        `INSERT INTO deployments (name, checksum, xml, deployed_by, deployed_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [name, checksum, xml, actor, new Date(now)],
      );
      if (!deployment) throw new Error('insert returned nothing');
      for (const [formId, json] of forms) {
        const text = JSON.stringify(json);
        await manager.query(
          `INSERT INTO deployment_forms (deployment_id, form_id, checksum, json) VALUES ($1, $2, $3, $4)`,
          [deployment.id, formId, createHash('sha256').update(text).digest('hex'), text],
        );
      }
      const processes: DeployedProcess[] = [];
      const added: { graph: ProcessGraph; version: number }[] = [];
      for (const graph of graphs) {
        const previous = byKey.get(graph.id);
        if (previous && previous.checksum === checksum) {
          processes.push({ ...previous, created: false });
          continue;
        }
        const version = (previous?.version ?? 0) + 1;
        const pinned: ProcessGraph = { ...graph, ref: definitionRef(graph.id, version) };
        const [row] = await manager.query<{ id: string }[]>(
          `INSERT INTO process_definitions (key, version, name, deployment_id, checksum, graph, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [
            graph.id,
            version,
            graph.name,
            deployment.id,
            checksum,
            JSON.stringify(pinned),
            new Date(now),
          ],
        );
        if (!row) throw new Error('insert returned nothing');
        processes.push({ id: row.id, key: graph.id, version, name: graph.name, created: true });
        added.push({ graph: pinned, version });
      }
      await appendAudit(
        manager,
        SYSTEM_STREAM,
        processes
          .filter((process) => process.created)
          .map((process) => ({
            type: 'template.deployed',
            actor,
            at: now,
            data: {
              key: process.key,
              version: process.version,
              deploymentId: deployment.id,
              file: name,
              checksum,
              forms: [...forms.keys()],
            },
          })),
      );
      return { deploymentId: deployment.id, checksum, forms: [...forms.keys()], processes, added };
    });
    for (const { graph, version } of result.added) this.definitions.add(graph, version);
    return {
      deploymentId: result.deploymentId,
      checksum: result.checksum,
      processes: result.processes,
      forms: result.forms,
    };
  }

  /**
   * The forms the graphs' user tasks name, sorted by id: each from the given forms, else the
   * copy of the latest deployment that carried one of that id; absent ones are left out.
   */
  private async formsOf(
    manager: EntityManager,
    graphs: readonly ProcessGraph[],
    given: DeploymentForms,
  ): Promise<Map<string, unknown>> {
    const wanted = [
      ...new Set(graphs.flatMap((graph) => formReferences(graph)).map((ref) => ref.formId)),
    ];
    const found = new Map<string, unknown>();
    const earlier: string[] = [];
    for (const formId of wanted) {
      if (Object.hasOwn(given, formId)) found.set(formId, given[formId]);
      else earlier.push(formId);
    }
    if (earlier.length > 0) {
      const rows = await manager.query<{ form_id: string; json: unknown }[]>(
        `SELECT DISTINCT ON (form_id) form_id, json FROM deployment_forms
          WHERE form_id = ANY($1::text[]) ORDER BY form_id, seq DESC`,
        [earlier],
      );
      for (const row of rows) found.set(row.form_id, row.json);
    }
    return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/** The XML's hash when it names no form, else the hash of the XML and each form (by id). */
function deploymentChecksum(xml: string, forms: ReadonlyMap<string, unknown>): string {
  const hash = createHash('sha256').update(xml);
  if (forms.size === 0) return hash.digest('hex');
  for (const [formId, json] of forms) {
    hash.update(`\0form:${formId}\0${canonicalJson(json)}`);
  }
  return hash.digest('hex');
}

/** JSON with object keys sorted, so a form read back from jsonb hashes as it was given. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The static calls of the new graphs and of the latest deployed version of every process
 * they can reach (a process of this file stands for its own key), loaded level by level.
 */
async function reachableCalls(
  manager: EntityManager,
  graphs: readonly ProcessGraph[],
): Promise<StaticCall[]> {
  const calls = graphs.flatMap(staticCalls);
  const known = new Set(graphs.map((graph) => graph.id));
  let wanted = [...new Set(calls.map((call) => call.calledProcessId))].filter(
    (key) => !known.has(key),
  );
  while (wanted.length > 0) {
    for (const key of wanted) known.add(key);
    const rows = await manager.query<{ key: string; element_id: string; called: string }[]>(
      `SELECT d.key, n.key AS element_id, n.value->>'calledProcessId' AS called
         FROM (SELECT DISTINCT ON (key) key, graph FROM process_definitions
                WHERE key = ANY($1::text[]) ORDER BY key, version DESC) d,
              jsonb_each(d.graph->'nodes') n
        WHERE n.value->>'kind' = 'callActivity' AND left(n.value->>'calledProcessId', 1) <> '='`,
      [wanted],
    );
    const next = new Set<string>();
    for (const row of rows) {
      calls.push({ processId: row.key, elementId: row.element_id, calledProcessId: row.called });
      if (!known.has(row.called)) next.add(row.called);
    }
    wanted = [...next];
  }
  return calls;
}

/**
 * The form `formId` as the deployment of an instance's version carries it (`deployment_forms`),
 * or undefined when that deployment carries none of that id (deployed before forms were part
 * of deployments, or the task names no deployed form).
 */
export async function deployedFormOfInstance(
  manager: EntityManager,
  instanceId: string,
  formId: string,
): Promise<unknown> {
  const [row] = await manager.query<{ json: unknown }[]>(
    `SELECT f.json FROM process_instances i
       JOIN process_definitions pd ON pd.key = i.template_key AND pd.version = i.version
       JOIN deployment_forms f ON f.deployment_id = pd.deployment_id AND f.form_id = $2
      WHERE i.id = $1`,
    [instanceId, formId],
  );
  return row?.json;
}
