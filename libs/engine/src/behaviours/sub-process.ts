import type { SubProcessNode } from '@app/bpmn';
import type { Behaviour } from './behaviour.js';

/** Embedded sub-process: a scope of its own, started at its none start event. */
export const subProcess: Behaviour<SubProcessNode> = {
  activate(run, instance, node) {
    run.enqueueActivate(node.startEvent, instance.key, instance.processRef);
  },
};
