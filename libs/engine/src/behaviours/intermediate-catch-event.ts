import type { IntermediateCatchEventNode } from '@app/bpmn';
import type { Behaviour } from './behaviour.js';

/** Timer catch event: waits until its timer fires (timeDuration from now, or a timeDate). */
export const intermediateCatchEvent: Behaviour<IntermediateCatchEventNode> = {
  activate(run, instance, node) {
    run.scheduleTimer(node.timer, instance, node.id, 'catch');
  },
};
