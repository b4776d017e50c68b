import type { GatewayNode } from '@app/bpmn';
import { IncidentError } from '../errors.js';
import type { Behaviour } from './behaviour.js';
import { conditionHolds } from './conditions.js';

/**
 * Exclusive gateway: takes the first outgoing flow (in document order) whose condition is
 * true, else the default flow; with neither, an incident names the gateway.
 */
export const exclusiveGateway: Behaviour<GatewayNode> = {
  activate(run, instance, node) {
    const graph = run.graph(instance.processRef);
    const scope = run.visibleVariables(instance.key);
    const chosen = node.outgoing.find(
      (flowId) => flowId !== node.defaultFlow && conditionHolds(run, graph.flows[flowId], scope),
    );
    const flow = chosen ?? node.defaultFlow;
    if (flow === null || flow === undefined) {
      throw new IncidentError(
        `no outgoing sequence flow of exclusive gateway '${node.id}' has a true condition, and there is no default flow`,
      );
    }
    run.completeElement(instance, { flows: [flow] });
  },
};
