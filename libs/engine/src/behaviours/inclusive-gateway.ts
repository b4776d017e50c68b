import type { GatewayNode } from '@app/bpmn';
import { IncidentError } from '../errors.js';
import type { Behaviour } from './behaviour.js';
import { conditionHolds } from './conditions.js';

/**
 * Inclusive gateway: takes every outgoing flow whose condition is true, else the default
 * flow; with neither, an incident. (Its join is settled by Run when the queue is empty.)
 */
export const inclusiveGateway: Behaviour<GatewayNode> = {
  activate(run, instance, node) {
    const graph = run.graph(instance.processRef);
    const scope = run.visibleVariables(instance.key);
    const taken = node.outgoing.filter(
      (flowId) => flowId !== node.defaultFlow && conditionHolds(run, graph.flows[flowId], scope),
    );
    if (taken.length === 0 && node.defaultFlow !== null) taken.push(node.defaultFlow);
    if (taken.length === 0) {
      throw new IncidentError(
        `no outgoing sequence flow of inclusive gateway '${node.id}' has a true condition, and there is no default flow`,
      );
    }
    run.completeElement(instance, { flows: taken });
  },
};
