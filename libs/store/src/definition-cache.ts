import type { ProcessGraph } from '@app/bpmn';
import type { ProcessRegistry } from '@app/engine';
import type { DataSource, EntityManager } from 'typeorm';

interface Row {
  key: string;
  version: number;
  graph: ProcessGraph;
}

/**
 * The engine's view of deployed definitions, cached in memory (graphs never change once
 * deployed; only new versions appear). `refresh` loads versions this process has not seen.
 * The cache ages by the process's monotonic time, not the injected business clock (a
 * frozen test clock must not freeze the cache).
 */
export class DefinitionCache implements ProcessRegistry {
  private readonly refs = new Map<string, ProcessGraph>();
  private readonly latestByKey = new Map<string, ProcessGraph & { version: number }>();
  private refreshedAt = -Infinity;

  constructor(
    private readonly dataSource: DataSource,
    private readonly maxAgeMs = 1000,
  ) {}

  byRef(ref: string): ProcessGraph | undefined {
    return this.refs.get(ref);
  }

  latest(processId: string): ProcessGraph | undefined {
    return this.latestByKey.get(processId);
  }

  /** Loads new versions when the cache is older than maxAge or a needed ref is missing. */
  async ensure(refs: readonly string[], manager?: EntityManager): Promise<void> {
    const fresh = performance.now() - this.refreshedAt < this.maxAgeMs;
    if (fresh && refs.every((ref) => this.refs.has(ref))) return;
    await this.refresh(manager);
  }

  async refresh(manager?: EntityManager): Promise<void> {
    const startedAt = performance.now();
    const known = [...this.refs.keys()];
    const rows = await (manager ?? this.dataSource.manager).query<Row[]>(
      `SELECT key, version, graph FROM process_definitions
        WHERE NOT ((key || ':' || version) = ANY($1::text[]))`,
      [known],
    );
    for (const row of rows) this.add(row.graph, row.version);
    this.refreshedAt = startedAt;
  }

  add(graph: ProcessGraph, version: number): void {
    this.refs.set(graph.ref, graph);
    const current = this.latestByKey.get(graph.id);
    if (!current || current.version < version)
      this.latestByKey.set(graph.id, { ...graph, version });
  }
}

export function definitionRef(key: string, version: number): string {
  return `${key}:${version}`;
}
