import { isExpression } from '@app/feel';
import type { ProcessGraph } from './model.js';
import { type BpmnProblem, problem } from './problems.js';

/** A call activity whose called process is a static id (not FEEL, so known before it runs). */
export interface StaticCall {
  /** The process that holds the call activity. */
  readonly processId: string;
  /** The call activity's element id. */
  readonly elementId: string;
  readonly calledProcessId: string;
}

/** The static calls of a process graph (FEEL-computed ones are left to the run-time depth limit). */
export function staticCalls(graph: Pick<ProcessGraph, 'id' | 'nodes'>): StaticCall[] {
  const calls: StaticCall[] = [];
  for (const node of Object.values(graph.nodes)) {
    if (node.kind !== 'callActivity' || isExpression(node.calledProcessId)) continue;
    calls.push({ processId: graph.id, elementId: node.id, calledProcessId: node.calledProcessId });
  }
  return calls;
}

/**
 * One problem per call activity of the `checked` processes that starts a cycle of static
 * calls leading back to its own process (a process calling itself, or two calling each
 * other): the run would nest called processes until the depth limit. `calls` are all the calls
 * known (the checked processes' and those of the processes they may reach); the message names
 * the whole cycle, each process with the call activity it leaves by.
 */
export function callCycleProblems(
  calls: readonly StaticCall[],
  checked: Iterable<string>,
): BpmnProblem[] {
  const outgoing = new Map<string, StaticCall[]>();
  for (const call of calls) {
    const list = outgoing.get(call.processId);
    if (list) list.push(call);
    else outgoing.set(call.processId, [call]);
  }
  const problems: BpmnProblem[] = [];
  for (const processId of checked) {
    for (const first of outgoing.get(processId) ?? []) {
      const path = pathBack(first, processId, outgoing);
      if (!path) continue;
      const cycle = [...path.map((call) => `${call.processId} (${call.elementId})`), processId];
      problems.push(
        problem(
          first.elementId,
          'bpmn:CallActivity',
          path.length === 1
            ? `call activity '${first.elementId}' calls its own process '${processId}': it would call itself until the call depth limit (cycles of static calls are refused; a FEEL processId is checked at run time)`
            : `call activity '${first.elementId}' starts a cycle of calls back to process '${processId}': ${cycle.join(' → ')} (cycles of static calls are refused; a FEEL processId is checked at run time)`,
        ),
      );
    }
  }
  return problems;
}

/** The shortest chain of calls from `first` back to `home`, or null (breadth first). */
function pathBack(
  first: StaticCall,
  home: string,
  outgoing: ReadonlyMap<string, readonly StaticCall[]>,
): StaticCall[] | null {
  const via = new Map<string, StaticCall[]>([[first.calledProcessId, [first]]]);
  const queue = [first.calledProcessId];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i];
    const path = via.get(at) as StaticCall[];
    if (at === home) return path;
    for (const call of outgoing.get(at) ?? []) {
      if (via.has(call.calledProcessId)) continue;
      via.set(call.calledProcessId, [...path, call]);
      queue.push(call.calledProcessId);
    }
  }
  return null;
}
