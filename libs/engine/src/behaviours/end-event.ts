import type { EndEventNode } from '@app/bpmn';
import type { Behaviour } from './behaviour.js';

/**
 * None end event: the token ends here. Terminate end event: every other element of the same
 * scope is terminated first, so the scope (process or sub-process) completes at once.
 */
export const endEvent: Behaviour<EndEventNode> = {
  activate(run, instance, node) {
    if (node.terminate && instance.parentKey !== null) {
      run.terminateScopeExcept(instance.parentKey, instance.key);
    }
    run.completeElement(instance);
  },
};
