import type { CompiledDefinitions, ProcessGraph } from '@app/bpmn';
import { DEFAULT_TIME_ZONE } from '@app/time';

/** Where the engine finds process graphs: pinned by ref, or the latest by process id. */
export interface ProcessRegistry {
  byRef(ref: string): ProcessGraph | undefined;
  /** The graph a call activity starts for this process id (the latest deployed version). */
  latest(processId: string): ProcessGraph | undefined;
}

export interface EngineContext {
  readonly processes: ProcessRegistry;
  /** IANA zone for calendar arithmetic and FEEL now()/today(); default Asia/Shanghai. */
  readonly timeZone?: string;
}

/** A registry over compiled documents held in memory (simulator, tests, one deployment). */
export function registryOf(...documents: readonly CompiledDefinitions[]): ProcessRegistry {
  const graphs = new Map<string, ProcessGraph>();
  for (const document of documents) {
    for (const graph of Object.values(document.processes)) graphs.set(graph.id, graph);
  }
  const byRef = new Map([...graphs.values()].map((graph) => [graph.ref, graph]));
  return {
    byRef: (ref) => byRef.get(ref),
    latest: (processId) => graphs.get(processId),
  };
}

export function contextZone(ctx: EngineContext): string {
  return ctx.timeZone ?? DEFAULT_TIME_ZONE;
}
