/**
 * The compiled, immutable executable graph of a BPMN process.
 *
 * Everything the engine needs is resolved here at compile time: element kinds, scopes,
 * flows in document order, zeebe extension attributes (raw: a value starting with `=` is
 * FEEL, evaluated at run time), boundary events per activity, and the reachability tables
 * that converging inclusive gateways use.
 */

export type TimerKind = 'timeDate' | 'timeDuration' | 'timeCycle';

export interface TimerDefinition {
  readonly kind: TimerKind;
  /** Static ISO-8601 text, or a FEEL expression starting with `=`. */
  readonly expression: string;
}

export interface Mapping {
  /** FEEL expression (without `=`) or a static value. */
  readonly source: string;
  readonly target: string;
}

export interface IoMapping {
  readonly inputs: readonly Mapping[];
  readonly outputs: readonly Mapping[];
}

export interface MultiInstance {
  readonly sequential: boolean;
  /** FEEL expression (with `=`) or a variable name. */
  readonly inputCollection: string;
  readonly inputElement: string | null;
  readonly outputCollection: string | null;
  readonly outputElement: string | null;
  /** FEEL expression without `=`, or null. */
  readonly completionCondition: string | null;
}

interface NodeBase {
  readonly id: string;
  /** The BPMN type as written in the model, e.g. `bpmn:UserTask`. */
  readonly bpmnType: string;
  readonly name: string | null;
  readonly documentation: string | null;
  /** Id of the enclosing process or sub-process. */
  readonly scope: string;
  /** Sequence flow ids in document order. */
  readonly incoming: readonly string[];
  readonly outgoing: readonly string[];
}

interface ActivityBase extends NodeBase {
  /** Ids of the boundary events attached to this activity. */
  readonly boundaryEvents: readonly string[];
  readonly multiInstance: MultiInstance | null;
  readonly ioMapping: IoMapping | null;
}

export interface StartEventNode extends NodeBase {
  readonly kind: 'startEvent';
  readonly timer: TimerDefinition | null;
}

export interface EndEventNode extends NodeBase {
  readonly kind: 'endEvent';
  readonly terminate: boolean;
}

/** A none intermediate throw event: passes the token on. */
export interface IntermediateThrowEventNode extends NodeBase {
  readonly kind: 'intermediateThrowEvent';
}

export interface IntermediateCatchEventNode extends NodeBase {
  readonly kind: 'intermediateCatchEvent';
  readonly timer: TimerDefinition;
}

export interface BoundaryEventNode extends NodeBase {
  readonly kind: 'boundaryEvent';
  readonly attachedTo: string;
  /** true = interrupting (the BPMN default). */
  readonly cancelActivity: boolean;
  readonly timer: TimerDefinition;
}

export interface UserTaskNode extends ActivityBase {
  readonly kind: 'userTask';
  readonly assignee: string | null;
  readonly candidateGroups: string | null;
  readonly candidateUsers: string | null;
  readonly dueDate: string | null;
  readonly followUpDate: string | null;
  readonly formKey: string | null;
  readonly formId: string | null;
  readonly priority: string | null;
  /**
   * Its `zeebe:properties` (name → value): metadata the engine does not execute, read by the
   * shell (e.g. `ledger.verifies`, docs/ledger.md). Absent on nodes built by hand.
   */
  readonly properties?: Readonly<Record<string, string>>;
}

export interface ServiceTaskNode extends ActivityBase {
  readonly kind: 'serviceTask';
  /** zeebe:taskDefinition type (static or `=` FEEL). */
  readonly jobType: string;
  readonly retries: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** bpmn:Task and bpmn:ManualTask: no work for the engine, the token passes on. */
export interface PassThroughTaskNode extends ActivityBase {
  readonly kind: 'task';
}

export interface SubProcessNode extends ActivityBase {
  readonly kind: 'subProcess';
  /** The none start event inside. */
  readonly startEvent: string;
}

export interface CallActivityNode extends ActivityBase {
  readonly kind: 'callActivity';
  /** zeebe:calledElement processId (static or `=` FEEL). */
  readonly calledProcessId: string;
  readonly propagateAllChildVariables: boolean;
  readonly propagateAllParentVariables: boolean;
}

export interface GatewayNode extends NodeBase {
  readonly kind: 'exclusiveGateway' | 'parallelGateway' | 'inclusiveGateway';
  readonly defaultFlow: string | null;
}

export type ActivityNode =
  UserTaskNode | ServiceTaskNode | PassThroughTaskNode | SubProcessNode | CallActivityNode;

export type FlowNode =
  | StartEventNode
  | EndEventNode
  | IntermediateThrowEventNode
  | IntermediateCatchEventNode
  | BoundaryEventNode
  | GatewayNode
  | ActivityNode;

export type FlowNodeKind = FlowNode['kind'];

export interface SequenceFlow {
  readonly id: string;
  readonly name: string | null;
  readonly source: string;
  readonly target: string;
  /** FEEL expression without the leading `=`, or null when unconditional. */
  readonly condition: string | null;
}

export interface ProcessGraph {
  readonly id: string;
  readonly name: string | null;
  /**
   * A reference that pins this exact compiled graph (the deployment layer sets it to
   * `<id>:<version>`; the compiler sets it to the process id).
   */
  readonly ref: string;
  readonly nodes: Readonly<Record<string, FlowNode>>;
  readonly flows: Readonly<Record<string, SequenceFlow>>;
  /** The none start event of the process scope, if any. */
  readonly noneStartEvent: string | null;
  /** Timer start events of the process scope, in document order. */
  readonly timerStartEvents: readonly string[];
  /**
   * For each converging inclusive gateway: for each node of its scope, the incoming flows of
   * the gateway that a token at that node can still reach (without passing the gateway).
   */
  readonly inclusiveJoinReach: Readonly<
    Record<string, Readonly<Record<string, readonly string[]>>>
  >;
}

export interface CompiledDefinitions {
  readonly id: string | null;
  /** Executable processes by id, in document order. */
  readonly processes: Readonly<Record<string, ProcessGraph>>;
}

export function isActivity(node: FlowNode): node is ActivityNode {
  return (
    node.kind === 'userTask' ||
    node.kind === 'serviceTask' ||
    node.kind === 'task' ||
    node.kind === 'subProcess' ||
    node.kind === 'callActivity'
  );
}
