import type { CallActivityNode } from '@app/bpmn';
import { DEFAULT_CALL_ACTIVITY_MAX_DEPTH } from '../context.js';
import { IncidentError } from '../errors.js';
import type { Behaviour } from './behaviour.js';
import { AttributeReader } from './values.js';

/**
 * Call activity: starts the latest deployed version of the called process as a child scope
 * (a process of its own inside this instance's state, so one transaction covers both), with
 * a copy of the variables visible here (or only its input mappings). When the child ends,
 * its variables come back through Run.checkScope.
 */
export const callActivity: Behaviour<CallActivityNode> = {
  activate(run, instance, node) {
    const read = new AttributeReader(run, instance.key, node.id);
    const processId = read.string('zeebe:calledElement processId', node.calledProcessId);
    const graph = processId === null ? undefined : run.ctx.processes.latest(processId);
    if (!graph) {
      throw new IncidentError(
        `call activity '${node.id}' calls process '${processId}', which is not deployed`,
      );
    }
    // Called processes run in this step and this state: a call to itself would never end.
    const maxDepth = run.ctx.callActivityMaxDepth ?? DEFAULT_CALL_ACTIVITY_MAX_DEPTH;
    let depth = 0;
    for (let key = instance.parentKey; key !== null; key = run.elements[key]?.parentKey ?? null) {
      if (run.elements[key]?.kind === 'process' && run.elements[key]?.parentKey !== null) depth++;
    }
    if (depth >= maxDepth) {
      throw new IncidentError(
        `call activity '${node.id}' would start process '${graph.id}' ${maxDepth + 1} calls deep; called processes nest at most ${maxDepth} deep (the limit, CALL_ACTIVITY_MAX_DEPTH)`,
      );
    }
    if (graph.noneStartEvent === null) {
      throw new IncidentError(
        `call activity '${node.id}' calls process '${graph.id}', which has no none start event`,
      );
    }
    const key = run.nextKey();
    run.elements[key] = {
      key,
      elementId: graph.id,
      kind: 'process',
      processRef: graph.ref,
      parentKey: instance.key,
      state: 'active',
      activatedAt: run.now,
    };
    run.variables[key] = node.propagateAllParentVariables
      ? { ...run.visibleVariables(instance.key) }
      : { ...run.variables[instance.key] };
    run.enqueueActivate(graph.noneStartEvent, key, graph.ref);
  },
};
