import type { CompiledDefinitions, ProcessGraph } from '@app/bpmn';
import type { FeelLimits } from '@app/feel';
import { DEFAULT_TIME_ZONE, type TimerLimits } from '@app/time';

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
  /** What one FEEL evaluation may cost; default DEFAULT_FEEL_LIMITS of @app/feel. */
  readonly feelLimits?: FeelLimits;
  /**
   * How often and how long a timer cycle may fire; default DEFAULT_TIMER_LIMITS of @app/time.
   * Lint refuses static cycles over them; here they stop cycles computed by FEEL (an incident).
   */
  readonly timerLimits?: TimerLimits;
  /**
   * How deep call activities may nest called processes (a process calling itself, or two
   * calling each other); the call activity at the limit gets an incident. Default 10.
   */
  readonly callActivityMaxDepth?: number;
  /**
   * How many elements one step may activate (a loop of pass-through elements, a fan-out);
   * over it, every further activation in the step becomes an incident. Default 10,000.
   */
  readonly stepMaxActivations?: number;
}

/** The defaults of CALL_ACTIVITY_MAX_DEPTH and STEP_MAX_ACTIVATIONS. */
export const DEFAULT_CALL_ACTIVITY_MAX_DEPTH = 10;
export const DEFAULT_STEP_MAX_ACTIVATIONS = 10_000;

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
