import type { EndEventNode } from '@app/bpmn';
import type { Behaviour } from './behaviour.js';

/**
 * None end event: the token ends here. Terminate end event: it completes, then (as in Zeebe)
 * every other element of the same scope is terminated, so the scope (process or sub-process)
 * completes at once.
 */
export const endEvent: Behaviour<EndEventNode> = {
  activate(run, instance, node) {
    run.completeElement(instance);
    if (node.terminate && instance.parentKey !== null) {
      run.terminateScopeContents(instance.parentKey);
    }
  },
};
