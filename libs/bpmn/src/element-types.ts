import type { CompileContext } from './compile-context.js';
import type { FlowNode, TimerDefinition, UserTaskNode } from './model.js';
import type { ModdleElement } from './parse.js';

/** The fields every flow node has, worked out by the compiler before the type's own part. */
export interface NodeFields {
  readonly id: string;
  readonly bpmnType: string;
  readonly name: string | null;
  readonly documentation: string | null;
  readonly scope: string;
  readonly incoming: readonly string[];
  readonly outgoing: readonly string[];
}

export interface ActivityFields extends NodeFields {
  readonly boundaryEvents: readonly string[];
}

type Compile = (
  element: ModdleElement,
  fields: ActivityFields,
  ctx: CompileContext,
) => FlowNode | null;

/** BPMN types that may stand in a process without being executed (artefacts, data). */
export const IGNORED_TYPES: ReadonlySet<string> = new Set([
  'bpmn:DataObject',
  'bpmn:DataObjectReference',
  'bpmn:DataStoreReference',
]);

function eventDefinitions(element: ModdleElement): ModdleElement[] {
  const list = element.eventDefinitions;
  return Array.isArray(list) ? (list as ModdleElement[]) : [];
}

/**
 * The one event definition an event may have; reports anything else. `allowed` are the
 * definition types this kind of event supports here; `noneAllowed`: it may have none.
 */
function singleDefinition(
  element: ModdleElement,
  ctx: CompileContext,
  allowed: readonly string[],
  what: string,
  noneAllowed: boolean,
): ModdleElement | null | false {
  const definitions = eventDefinitions(element);
  if (definitions.length > 1) {
    ctx.report(element, `${what} with several event definitions is not supported`);
    return false;
  }
  const definition = definitions[0];
  if (!definition) return null;
  if (!allowed.includes(definition.$type)) {
    const supported = [...(noneAllowed ? [`none ${what}`] : []), ...allowed].join(', ');
    ctx.report(
      element,
      `${definition.$type} on ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} is not supported (supported: ${supported})`,
    );
    return false;
  }
  return definition;
}

function timerOf(element: ModdleElement, ctx: CompileContext, what: string, optional: boolean) {
  const definition = singleDefinition(element, ctx, ['bpmn:TimerEventDefinition'], what, optional);
  if (definition === false) return false;
  if (definition === null) {
    if (!optional) ctx.report(element, `${what} needs a timer event definition`);
    return optional ? null : false;
  }
  return ctx.timer(element, definition);
}

const startEvent: Compile = (element, fields, ctx) => {
  const timer = timerOf(element, ctx, 'start event', true);
  if (timer === false) return null;
  return { ...base(fields), kind: 'startEvent', timer };
};

const endEvent: Compile = (element, fields, ctx) => {
  const definition = singleDefinition(
    element,
    ctx,
    ['bpmn:TerminateEventDefinition'],
    'end event',
    true,
  );
  if (definition === false) return null;
  return { ...base(fields), kind: 'endEvent', terminate: definition !== null };
};

const intermediateThrowEvent: Compile = (element, fields, ctx) => {
  if (singleDefinition(element, ctx, [], 'intermediate throw event', true) === false) return null;
  return { ...base(fields), kind: 'intermediateThrowEvent' };
};

const intermediateCatchEvent: Compile = (element, fields, ctx) => {
  const timer = timerOf(element, ctx, 'intermediate catch event', false);
  if (!timer) return null;
  if (timer.kind === 'timeCycle') {
    ctx.report(
      element,
      'an intermediate timer catch event takes timeDate or timeDuration, not timeCycle',
    );
  }
  return { ...base(fields), kind: 'intermediateCatchEvent', timer };
};

const boundaryEvent: Compile = (element, fields, ctx) => {
  const timer: TimerDefinition | null | false = timerOf(element, ctx, 'boundary event', false);
  if (!timer) return null;
  const attachedTo = (element.attachedToRef as ModdleElement | undefined)?.id;
  if (!attachedTo) {
    if (!ctx.isUnresolved(element, 'bpmn:attachedToRef')) {
      ctx.report(element, 'boundary event is not attached to an activity (attachedToRef)');
    }
    return null;
  }
  const cancelActivity = element.cancelActivity !== false;
  if (cancelActivity && timer.kind === 'timeCycle') {
    ctx.report(
      element,
      'an interrupting timer boundary event takes timeDate or timeDuration, not timeCycle (a cycle needs cancelActivity="false")',
    );
  }
  return {
    ...base(fields),
    kind: 'boundaryEvent',
    attachedTo,
    cancelActivity,
    timer,
  };
};

const userTask: Compile = (element, fields, ctx) => {
  const assignment = ctx.extension(element, 'zeebe:AssignmentDefinition');
  const schedule = ctx.extension(element, 'zeebe:TaskSchedule');
  const form = ctx.extension(element, 'zeebe:FormDefinition');
  const priority = ctx.extension(element, 'zeebe:PriorityDefinition');
  const label = (what: string) => `zeebe:${what}`;
  const node: UserTaskNode = {
    ...activity(element, fields, ctx),
    kind: 'userTask',
    assignee: ctx.valueOrExpression(
      element,
      label('assignmentDefinition assignee'),
      ctx.attr(assignment, 'assignee'),
    ),
    candidateGroups: ctx.valueOrExpression(
      element,
      label('assignmentDefinition candidateGroups'),
      ctx.attr(assignment, 'candidateGroups'),
    ),
    candidateUsers: ctx.valueOrExpression(
      element,
      label('assignmentDefinition candidateUsers'),
      ctx.attr(assignment, 'candidateUsers'),
    ),
    dueDate: ctx.schedule(element, label('taskSchedule dueDate'), ctx.attr(schedule, 'dueDate')),
    followUpDate: ctx.schedule(
      element,
      label('taskSchedule followUpDate'),
      ctx.attr(schedule, 'followUpDate'),
    ),
    formKey: ctx.attr(form, 'formKey') ?? ctx.attr(form, 'externalReference'),
    formId: ctx.attr(form, 'formId'),
    priority: ctx.valueOrExpression(
      element,
      label('priorityDefinition priority'),
      ctx.attr(priority, 'priority'),
    ),
    ...zeebeProperties(element, ctx),
  };
  verifierOnly(element, node, ctx);
  return node;
};

/**
 * `ledger.verifies` (the completion crosses off, 销号, the instance's submitted ledger items,
 * docs/ledger.md) only on a step that only a supervisor over the instance's unit completes:
 * offered to the candidate group `supervisor` (or `supervisor@approving`), with no assignee and
 * no candidate users — anything else would let someone not entitled to 销号 (a secretary, an
 * assignee) close the file. Refused at deploy, naming the element.
 */
function verifierOnly(element: ModdleElement, node: UserTaskNode, ctx: CompileContext): void {
  const verifies = node.properties?.['ledger.verifies'];
  if (verifies === undefined) return;
  if (verifies !== 'instance') {
    ctx.report(element, `zeebe:property ledger.verifies must be 'instance', got '${verifies}'`);
    return;
  }
  const groups = (node.candidateGroups ?? '').split(',').map((group) => group.trim());
  const supervisorsOnly =
    node.assignee === null &&
    node.candidateUsers === null &&
    node.candidateGroups !== null &&
    !node.candidateGroups.startsWith('=') &&
    groups.every((group) => group === 'supervisor' || group === 'supervisor@approving');
  if (!supervisorsOnly) {
    ctx.report(
      element,
      'zeebe:property ledger.verifies (its approval crosses off the instance’s ledger items, 销号) ' +
        'needs a step only supervisors complete: zeebe:assignmentDefinition candidateGroups="supervisor" ' +
        '(or "supervisor@approving"), without assignee or candidateUsers',
    );
  }
}

/**
 * An element's `zeebe:properties` as `{ properties: name → value }` (the last of a repeated name
 * wins), or nothing when it has none.
 */
function zeebeProperties(
  element: ModdleElement,
  ctx: CompileContext,
): { properties?: Record<string, string> } {
  const properties: Record<string, string> = {};
  const list = ctx.extension(element, 'zeebe:Properties')?.properties;
  for (const property of Array.isArray(list) ? (list as ModdleElement[]) : []) {
    const name = ctx.attr(property, 'name');
    if (name !== null) properties[name] = ctx.attr(property, 'value') ?? '';
  }
  return Object.keys(properties).length === 0 ? {} : { properties };
}

const serviceTask: Compile = (element, fields, ctx) => {
  const definition = ctx.extension(element, 'zeebe:TaskDefinition');
  const jobType = ctx.attr(definition, 'type');
  if (jobType === null) {
    ctx.report(element, 'service task has no zeebe:taskDefinition type (the handler to run)');
    return null;
  }
  ctx.valueOrExpression(element, 'zeebe:taskDefinition type', jobType);
  const retries = ctx.attr(definition, 'retries') ?? '3';
  ctx.valueOrExpression(element, 'zeebe:taskDefinition retries', retries);
  const headers: Record<string, string> = {};
  const list = ctx.extension(element, 'zeebe:TaskHeaders')?.values;
  for (const header of Array.isArray(list) ? (list as ModdleElement[]) : []) {
    const key = ctx.attr(header, 'key');
    if (key !== null) headers[key] = typeof header.value === 'string' ? header.value : '';
  }
  return { ...activity(element, fields, ctx), kind: 'serviceTask', jobType, retries, headers };
};

const passThroughTask: Compile = (element, fields, ctx) => ({
  ...activity(element, fields, ctx),
  kind: 'task',
});

/** The sub-process's start event id is filled in by the compiler after its children. */
const subProcess: Compile = (element, fields, ctx) => {
  if (element.triggeredByEvent === true) {
    ctx.report(element, 'event sub-processes are not supported (supported: embedded SubProcess)');
    return null;
  }
  return { ...activity(element, fields, ctx), kind: 'subProcess', startEvent: '' };
};

const callActivity: Compile = (element, fields, ctx) => {
  const called = ctx.extension(element, 'zeebe:CalledElement');
  const processId = ctx.attr(called, 'processId') ?? ctx.attr(called, 'processIdExpression');
  if (processId === null) {
    ctx.report(element, 'call activity has no zeebe:calledElement processId (the process to call)');
    return null;
  }
  ctx.valueOrExpression(element, 'zeebe:calledElement processId', processId);
  return {
    ...activity(element, fields, ctx),
    kind: 'callActivity',
    calledProcessId: processId,
    propagateAllChildVariables: called?.propagateAllChildVariables !== false,
    propagateAllParentVariables: called?.propagateAllParentVariables !== false,
  };
};

function gateway(kind: 'exclusiveGateway' | 'parallelGateway' | 'inclusiveGateway'): Compile {
  return (element, fields) => ({
    ...base(fields),
    kind,
    defaultFlow: (element.default as ModdleElement | undefined)?.id ?? null,
  });
}

function base(fields: ActivityFields) {
  return {
    id: fields.id,
    bpmnType: fields.bpmnType,
    name: fields.name,
    documentation: fields.documentation,
    scope: fields.scope,
    incoming: fields.incoming,
    outgoing: fields.outgoing,
  };
}

function activity(element: ModdleElement, fields: ActivityFields, ctx: CompileContext) {
  return {
    ...base(fields),
    boundaryEvents: fields.boundaryEvents,
    multiInstance: ctx.multiInstance(element),
    ioMapping: ctx.ioMapping(element),
  };
}

/** Every supported BPMN flow-node type and how it compiles; anything else is refused. */
export const ELEMENT_TYPES: Readonly<Record<string, Compile>> = {
  'bpmn:StartEvent': startEvent,
  'bpmn:EndEvent': endEvent,
  'bpmn:IntermediateThrowEvent': intermediateThrowEvent,
  'bpmn:IntermediateCatchEvent': intermediateCatchEvent,
  'bpmn:BoundaryEvent': boundaryEvent,
  'bpmn:UserTask': userTask,
  'bpmn:ServiceTask': serviceTask,
  'bpmn:Task': passThroughTask,
  'bpmn:ManualTask': passThroughTask,
  'bpmn:SubProcess': subProcess,
  'bpmn:CallActivity': callActivity,
  'bpmn:ExclusiveGateway': gateway('exclusiveGateway'),
  'bpmn:ParallelGateway': gateway('parallelGateway'),
  'bpmn:InclusiveGateway': gateway('inclusiveGateway'),
};

export const SUPPORTED_TYPES_TEXT = Object.keys(ELEMENT_TYPES)
  .map((type) => type.replace('bpmn:', ''))
  .join(', ');
