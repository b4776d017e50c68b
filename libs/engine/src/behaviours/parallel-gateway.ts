import type { GatewayNode } from '@app/bpmn';
import type { Behaviour } from './behaviour.js';

/**
 * Parallel gateway: the join (waiting for a token on every incoming flow) happens before
 * activation, in Run.takeFlow; once active it takes every outgoing flow.
 */
export const parallelGateway: Behaviour<GatewayNode> = {
  activate(run, instance) {
    run.completeElement(instance);
  },
};
