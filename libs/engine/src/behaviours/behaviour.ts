import type { FlowNode, FlowNodeKind } from '@app/bpmn';
import type { Run } from '../run.js';
import type { ElementInstance } from '../state.js';

/**
 * What one BPMN element type does when a token activates it: complete at once, or open a
 * wait state (task, timer, child scope) that a later command ends.
 */
export interface Behaviour<N extends FlowNode = FlowNode> {
  activate(run: Run, instance: ElementInstance, node: N): void;
}

export type BehaviourTable = {
  readonly [K in FlowNodeKind]: Behaviour<Extract<FlowNode, { kind: K }>>;
};
