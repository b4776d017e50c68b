import type { FlowNode } from '@app/bpmn';
import type { Behaviour } from './behaviour.js';

/**
 * Start events, none intermediate throw events, boundary events (once triggered), and tasks
 * with nothing to do (bpmn:Task, bpmn:ManualTask): the token passes straight on.
 */
export const passThrough: Behaviour<FlowNode> = {
  activate(run, instance) {
    run.completeElement(instance);
  },
};
