import { createHash } from 'node:crypto';
import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import {
  type ProcessGraph,
  type StaticCall,
  type LintOptions,
  callCycleProblems,
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
}

/**
 * Deploys BPMN files. Each executable process becomes a version of its key; a file whose
 * processes are all already deployed from the same bytes (checksum) changes nothing. An invalid
 * file is refused whole, with the problems `cli lint` prints; nothing is half-deployed (one
 * transaction, serialised by an advisory lock so two deployers cannot take the same version).
 * A file whose call activities would form a cycle of static calls with the latest versions
 * already deployed (A calls B, deployed B calls A) is refused like an invalid one.
 */
export class DeploymentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly definitions: DefinitionCache,
    private readonly clock: Clock,
    private readonly limits: LintOptions = {},
  ) {}

  async deploy(name: string, xml: string, actor: string): Promise<DeployResult> {
    const { problems, definitions } = await lintBpmn(xml, this.limits);
    if (!definitions) {
      throw new RuntimeException(
        RuntimeExceptionCode.TEMPLATE_INVALID,
        `template '${name}' is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
        problems,
      );
    }
    const checksum = createHash('sha256').update(xml).digest('hex');
    const graphs = Object.values(definitions.processes);
    const now = this.clock.now();
    const result = await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('branchflow.deploy'))`);
      const cycles = callCycleProblems(
        await reachableCalls(manager, graphs),
        graphs.map((graph) => graph.id),
      );
      if (cycles.length > 0) {
        throw new RuntimeException(
          RuntimeExceptionCode.TEMPLATE_INVALID,
          `template '${name}' is invalid (its call activities and deployed templates call each other in a cycle)`,
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
            },
          })),
      );
      return { deploymentId: deployment.id, checksum, processes, added };
    });
    for (const { graph, version } of result.added) this.definitions.add(graph, version);
    return {
      deploymentId: result.deploymentId,
      checksum: result.checksum,
      processes: result.processes,
    };
  }
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
