import type { CompileContext } from './compile-context.js';
import { ELEMENT_TYPES, IGNORED_TYPES } from './element-types.js';
import type { ModdleElement } from './parse.js';

const CAMUNDA_7 = 'http://camunda.org/schema/1.0/bpmn';

/** Namespaces of attributes that only modelers and renderers read: never executed, never refused. */
const METADATA_NAMESPACES: ReadonlySet<string> = new Set([
  'http://www.w3.org/2001/XMLSchema-instance',
  'http://www.w3.org/2000/xmlns/',
  'http://camunda.org/schema/modeler/1.0',
  'http://bpmn.io/schema/bpmn/biocolor/1.0',
  'http://www.omg.org/spec/BPMN/non-normative/color/1.0',
  'http://www.omg.org/spec/BPMN/20100524/DI',
  'http://www.omg.org/spec/DD/20100524/DC',
  'http://www.omg.org/spec/DD/20100524/DI',
]);

const EXECUTED_NAMESPACES: ReadonlySet<string> = new Set([
  'http://www.omg.org/spec/BPMN/20100524/MODEL',
  'http://camunda.org/schema/zeebe/1.0',
]);

/**
 * The zeebe extension elements the engine executes, per element type. `zeebe:properties`
 * (name/value pairs for tools) is pure metadata in Camunda 8 too and is accepted anywhere.
 * Everything else is refused: zeebe:taskListeners, zeebe:executionListeners, zeebe:ioMapping
 * where it would be ignored (start, end and other events), zeebe:formDefinition on a start
 * event, Camunda 7 (`camunda:`) and unknown namespaces.
 */
const EXECUTED: Readonly<Record<string, readonly string[]>> = {
  'bpmn:Process': ['zeebe:VersionTag'],
  'bpmn:UserTask': [
    'zeebe:AssignmentDefinition',
    'zeebe:TaskSchedule',
    'zeebe:FormDefinition',
    'zeebe:PriorityDefinition',
    'zeebe:UserTask',
    'zeebe:IoMapping',
  ],
  'bpmn:ServiceTask': ['zeebe:TaskDefinition', 'zeebe:TaskHeaders', 'zeebe:IoMapping'],
  'bpmn:CallActivity': ['zeebe:CalledElement', 'zeebe:IoMapping'],
  'bpmn:SubProcess': ['zeebe:IoMapping'],
  'bpmn:Task': ['zeebe:IoMapping'],
  'bpmn:ManualTask': ['zeebe:IoMapping'],
  'bpmn:MultiInstanceLoopCharacteristics': ['zeebe:LoopCharacteristics'],
};
const ANYWHERE = ['zeebe:Properties'];

/**
 * What may be set on an element: `true` (executed, or documentation only), or a check that
 * returns why a value is not executed (null when it is).
 */
type Check = true | ValueCheck;
interface ValueCheck {
  (value: unknown): string | null;
  /** The one value accepted, to name in messages. */
  readonly expected?: string | number | boolean;
}

interface Rule {
  readonly properties: Readonly<Record<string, Check>>;
  /** Artefacts, lanes and data objects: not executed at all, so any standard property is fine. */
  readonly anyProperty?: boolean;
}

const MODELER_TEMPLATE: Record<string, Check> = {
  modelerTemplate: true,
  modelerTemplateVersion: true,
  modelerTemplateIcon: true,
};
const BASE: Record<string, Check> = { id: true, documentation: true, extensionElements: true };
const FLOW_ELEMENT: Record<string, Check> = {
  ...BASE,
  ...MODELER_TEMPLATE,
  name: true,
  categoryValueRef: true,
};
const FLOW_NODE: Record<string, Check> = {
  ...FLOW_ELEMENT,
  incoming: true,
  outgoing: true,
  lanes: true,
  incomingConversationLinks: true,
  outgoingConversationLinks: true,
};

function only(expected: string | number | boolean, why: string): ValueCheck {
  return Object.assign((value: unknown) => (value === expected ? null : why), { expected });
}

const ACTIVITY: Record<string, Check> = {
  ...FLOW_NODE,
  boundaryEventRefs: true,
  properties: true,
  dataInputAssociations: true,
  dataOutputAssociations: true,
  loopCharacteristics: true,
  isForCompensation: only(false, 'compensation is not supported'),
  startQuantity: only(1, 'an activity starts once per arriving token here; only 1 is supported'),
  completionQuantity: only(
    1,
    'an activity leaves one token on each outgoing flow here; only 1 is supported',
  ),
};
const EVENT: Record<string, Check> = { ...FLOW_NODE, properties: true, eventDefinitions: true };
const CATCH_EVENT: Record<string, Check> = {
  ...EVENT,
  dataOutputAssociations: true,
  parallelMultiple: only(false, 'an event with several definitions is not supported'),
};
const THROW_EVENT: Record<string, Check> = { ...EVENT, dataInputAssociations: true };
const GATEWAY: Record<string, Check> = { ...FLOW_NODE, gatewayDirection: true };
const DATA_ASSOCIATION: Rule = {
  properties: { ...BASE, sourceRef: true, targetRef: true },
};
const LENIENT: Rule = { properties: {}, anyProperty: true };
const EXPRESSION: Record<string, Check> = {
  ...BASE,
  body: true,
  evaluatesToTypeRef: true,
  language: (value) =>
    typeof value === 'string' && /feel/i.test(value)
      ? null
      : 'expressions are FEEL here; another language would be read as FEEL',
};
const INPUT_OUTPUT: Rule = {
  properties: {
    source: true,
    target: true,
    modelerConfigurationTemplate: true,
    modelerConfigurationName: true,
  },
};

/**
 * Every element type the engine reads, with what of it is executed or pure documentation.
 * Flow elements, event definitions and loop characteristics of other types are refused by the
 * compiler; any other element is refused here.
 */
const RULES: Readonly<Record<string, Rule>> = {
  'bpmn:Process': {
    properties: {
      ...BASE,
      ...MODELER_TEMPLATE,
      name: true,
      isExecutable: true,
      processType: true,
      isClosed: true,
      flowElements: true,
      laneSets: true,
      artifacts: true,
      properties: true,
      supports: true,
      definitionalCollaborationRef: true,
    },
  },
  'bpmn:StartEvent': {
    properties: {
      ...CATCH_EVENT,
      isInterrupting: only(
        true,
        'a non-interrupting start event belongs to an event sub-process, which is not supported',
      ),
    },
  },
  'bpmn:EndEvent': { properties: THROW_EVENT },
  'bpmn:IntermediateThrowEvent': { properties: THROW_EVENT },
  'bpmn:IntermediateCatchEvent': { properties: CATCH_EVENT },
  'bpmn:BoundaryEvent': {
    properties: { ...CATCH_EVENT, attachedToRef: true, cancelActivity: true },
  },
  'bpmn:UserTask': {
    properties: {
      ...ACTIVITY,
      implementation: (value) =>
        value === '##unspecified' || value === '##WebService'
          ? null
          : 'a user task waits for a person here; zeebe:userTask is the only implementation',
    },
  },
  'bpmn:ServiceTask': {
    properties: {
      ...ACTIVITY,
      implementation: (value) =>
        value === '##WebService' || value === '##unspecified'
          ? null
          : 'the handler is named by zeebe:taskDefinition type; implementation is not executed',
    },
  },
  'bpmn:Task': { properties: ACTIVITY },
  'bpmn:ManualTask': { properties: ACTIVITY },
  'bpmn:SubProcess': {
    // triggeredByEvent="true" is refused by the compiler (event sub-processes).
    properties: {
      ...ACTIVITY,
      flowElements: true,
      laneSets: true,
      artifacts: true,
      triggeredByEvent: true,
    },
  },
  'bpmn:CallActivity': { properties: ACTIVITY },
  'bpmn:ExclusiveGateway': { properties: { ...GATEWAY, default: true } },
  'bpmn:InclusiveGateway': { properties: { ...GATEWAY, default: true } },
  'bpmn:ParallelGateway': { properties: GATEWAY },
  'bpmn:SequenceFlow': {
    properties: {
      ...FLOW_ELEMENT,
      sourceRef: true,
      targetRef: true,
      conditionExpression: true,
      isImmediate: true,
    },
  },
  'bpmn:TimerEventDefinition': {
    properties: { ...BASE, timeDate: true, timeDuration: true, timeCycle: true },
  },
  'bpmn:TerminateEventDefinition': { properties: BASE },
  'bpmn:MultiInstanceLoopCharacteristics': {
    properties: {
      ...BASE,
      isSequential: true,
      completionCondition: true,
      behavior: only('All', 'every instance completes normally here; only All is supported'),
    },
  },
  'bpmn:Expression': { properties: EXPRESSION },
  'bpmn:FormalExpression': { properties: EXPRESSION },
  'bpmn:Documentation': { properties: { id: true, text: true, textFormat: true } },
  'bpmn:Property': {
    properties: { ...BASE, name: true, itemSubjectRef: true, dataState: true },
  },
  'bpmn:DataInputAssociation': DATA_ASSOCIATION,
  'bpmn:DataOutputAssociation': DATA_ASSOCIATION,
  'bpmn:DataObject': LENIENT,
  'bpmn:DataObjectReference': LENIENT,
  'bpmn:DataStoreReference': LENIENT,
  'bpmn:DataState': LENIENT,
  'bpmn:LaneSet': LENIENT,
  'bpmn:Lane': LENIENT,
  'bpmn:TextAnnotation': LENIENT,
  'bpmn:Association': LENIENT,
  'bpmn:Group': LENIENT,
  'zeebe:VersionTag': { properties: { value: true } },
  'zeebe:Properties': { properties: { properties: true } },
  'zeebe:Property': {
    properties: {
      name: true,
      value: true,
      modelerConfigurationTemplate: true,
      modelerConfigurationName: true,
    },
  },
  'zeebe:UserTask': { properties: {} },
  'zeebe:AssignmentDefinition': {
    properties: { assignee: true, candidateGroups: true, candidateUsers: true },
  },
  'zeebe:TaskSchedule': { properties: { dueDate: true, followUpDate: true } },
  'zeebe:FormDefinition': {
    properties: {
      formKey: true,
      formId: true,
      externalReference: true,
      bindingType: only(
        'latest',
        'a form is the file of that name in the templates folder; forms are not versioned',
      ),
    },
  },
  'zeebe:PriorityDefinition': { properties: { priority: true } },
  'zeebe:TaskDefinition': { properties: { type: true, retries: true } },
  'zeebe:TaskHeaders': { properties: { values: true } },
  'zeebe:Header': { properties: { key: true, value: true } },
  'zeebe:CalledElement': {
    properties: {
      processId: true,
      processIdExpression: true,
      propagateAllChildVariables: true,
      propagateAllParentVariables: true,
      bindingType: only('latest', 'a call activity always starts the latest deployed version'),
    },
  },
  'zeebe:IoMapping': { properties: { inputParameters: true, outputParameters: true } },
  'zeebe:Input': INPUT_OUTPUT,
  'zeebe:Output': INPUT_OUTPUT,
  'zeebe:LoopCharacteristics': {
    properties: {
      inputCollection: true,
      inputElement: true,
      outputCollection: true,
      outputElement: true,
    },
  },
};

/** Why a standard BPMN part that is not executed would change what runs, where that is not obvious. */
const REFUSED_BECAUSE: Readonly<Record<string, string>> = {
  ioSpecification: 'data inputs and outputs are not executed; use zeebe:ioMapping',
  dataInputs: 'data inputs and outputs are not executed; use zeebe:ioMapping',
  dataOutputs: 'data inputs and outputs are not executed; use zeebe:ioMapping',
  inputSet: 'data inputs and outputs are not executed; use zeebe:ioMapping',
  outputSet: 'data inputs and outputs are not executed; use zeebe:ioMapping',
  transformation: 'data associations are drawn, not executed; use zeebe:ioMapping',
  assignment: 'data associations are drawn, not executed; use zeebe:ioMapping',
  resources:
    'who works on a user task is given by zeebe:assignmentDefinition assignee / candidateGroups / candidateUsers',
  renderings: 'the form is given by zeebe:formDefinition',
  default:
    'a default flow of an activity is never taken specially here: conditions are evaluated on gateways only',
  operationRef: 'the handler is named by zeebe:taskDefinition type',
  calledElement: 'the process to call is given by zeebe:calledElement processId (Camunda 8)',
  eventDefinitionRef:
    'an event definition by reference is not executed; define it inside the event',
  loopCardinality:
    'the number of instances is the size of zeebe:loopCharacteristics inputCollection',
  loopDataInputRef: 'the collection is zeebe:loopCharacteristics inputCollection',
  loopDataOutputRef: 'the collection is zeebe:loopCharacteristics outputCollection',
  inputDataItem: 'the item is zeebe:loopCharacteristics inputElement',
  outputDataItem: 'the item is zeebe:loopCharacteristics outputElement',
  complexBehaviorDefinition: 'multi-instance events are not supported',
  oneBehaviorEventRef: 'multi-instance events are not supported',
  noneBehaviorEventRef: 'multi-instance events are not supported',
  correlationSubscriptions: 'messages are not supported',
  auditing: 'not executed',
  monitoring: 'not executed',
  extensionDefinitions: 'not executed',
  ioBinding: 'not executed',
  supportedInterfaceRef: 'not executed',
  retryCounter: 'a job is retried zeebe:taskDefinition retries times; no counter variable is set',
};

/** `zeebe:TaskSchedule` -> `zeebe:taskSchedule`, as written in the XML. */
function xmlName(type: string): string {
  const [prefix, local = ''] = type.split(':');
  return `${prefix}:${local.charAt(0).toLowerCase()}${local.slice(1)}`;
}

function supportedText(type: string): string {
  return [...(EXECUTED[type] ?? []), ...ANYWHERE].map(xmlName).join(', ');
}

interface PropertyDescriptor {
  readonly isAttr?: boolean;
  readonly isReference?: boolean;
  readonly isMany?: boolean;
}

interface Descriptor {
  readonly isGeneric?: boolean;
  readonly ns?: { readonly uri?: string };
  readonly propertiesByName?: Readonly<Record<string, PropertyDescriptor | undefined>>;
}

function descriptorOf(element: ModdleElement): Descriptor | undefined {
  return element.$descriptor as Descriptor | undefined;
}

function isA(element: ModdleElement, type: string): boolean {
  const instanceOf = element.$instanceOf as ((type: string) => boolean) | undefined;
  return typeof instanceOf === 'function' && instanceOf.call(element, type);
}

/** Types the compiler refuses itself (naming what is supported): not looked into here. */
function refusedByCompiler(element: ModdleElement): boolean {
  const type = element.$type;
  if (isA(element, 'bpmn:FlowElement')) {
    return !(type in ELEMENT_TYPES || IGNORED_TYPES.has(type) || type === 'bpmn:SequenceFlow');
  }
  if (isA(element, 'bpmn:EventDefinition')) {
    return type !== 'bpmn:TimerEventDefinition' && type !== 'bpmn:TerminateEventDefinition';
  }
  if (isA(element, 'bpmn:LoopCharacteristics')) {
    return type !== 'bpmn:MultiInstanceLoopCharacteristics';
  }
  return false;
}

function isElement(value: unknown): value is ModdleElement {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ModdleElement).$type === 'string'
  );
}

interface Visit {
  readonly element: ModdleElement;
  /** The flow element (or process) the element belongs to: problems are reported on it. */
  readonly owner: ModdleElement;
  /** The namespace declarations in scope at its parent (prefix -> URI). */
  readonly namespaces: ReadonlyMap<string, string>;
}

/**
 * Reports every part of an executable process the engine would not execute: extension
 * elements not executed on their element (see EXECUTED), attributes of extension elements,
 * standard BPMN attributes and child elements that would change what runs, Camunda 7 and
 * foreign namespaces. Walks the process tree once, without recursion (`namespaces`: the
 * document's prefixes and their URIs).
 */
export function checkProcess(
  process: ModdleElement,
  namespaces: ReadonlyMap<string, string>,
  ctx: CompileContext,
): void {
  const stack: Visit[] = [{ element: process, owner: process, namespaces }];
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    const children = checkElement(visit, ctx);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}

/** Checks one element; returns its children to check, in document order. */
function checkElement(visit: Visit, ctx: CompileContext): Visit[] {
  const { element, owner: parentOwner } = visit;
  const namespaces = inScope(element, visit.namespaces);
  const type = element.$type;
  const owner =
    element.id !== undefined && (isA(element, 'bpmn:FlowElement') || type === 'bpmn:Process')
      ? element
      : parentOwner;
  // an event sub-process is refused whole by the compiler: what it holds is not reported again
  if (type === 'bpmn:SubProcess' && element.triggeredByEvent === true) return [];
  const rule = RULES[type];
  if (!rule) {
    if (!refusedByCompiler(element)) {
      ctx.report(owner, `<${xmlName(type)}>${on(element, owner)} is not executed here`);
    }
    return [];
  }
  const children: Visit[] = [];
  const extensions = extensionsOf(element, owner, namespaces, ctx);
  checkAttributes(element, namespaces, ctx, owner);
  for (const name of Object.getOwnPropertyNames(element)) {
    if (name.startsWith('$') || name === 'extensionElements') continue;
    const value = element[name];
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0))
      continue;
    const check = rule.properties[name] ?? (rule.anyProperty ? true : undefined);
    const why = check === undefined ? refusal(type, name) : check === true ? null : check(value);
    if (why !== null) {
      ctx.report(owner, `${describe(element, owner, name, value)} is not executed here (${why})`);
      continue;
    }
    const property = descriptorOf(element)?.propertiesByName?.[name];
    if (property?.isReference) continue;
    for (const child of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (isElement(child)) children.push({ element: child, owner, namespaces });
    }
  }
  return [...extensions, ...children];
}

/** Reports the extension elements not executed on `element`; returns the others to check. */
function extensionsOf(
  element: ModdleElement,
  owner: ModdleElement,
  inherited: ReadonlyMap<string, string>,
  ctx: CompileContext,
): Visit[] {
  const container = element.extensionElements as ModdleElement | undefined;
  const namespaces = container ? inScope(container, inherited) : inherited;
  const values = Array.isArray(container?.values) ? (container.values as ModdleElement[]) : [];
  if (values.length === 0) return [];
  const type = element.$type;
  const allowed = new Set([...(EXECUTED[type] ?? []), ...ANYWHERE]);
  const supported = `supported on ${type}: ${supportedText(type)}`;
  const accepted: Visit[] = [];
  for (const value of values) {
    const uri = descriptorOf(value)?.ns?.uri;
    const where = element === owner ? '' : ` on ${type}`;
    if (value.$type.startsWith('zeebe:') && !descriptorOf(value)?.isGeneric) {
      if (allowed.has(value.$type)) accepted.push({ element: value, owner, namespaces });
      else
        ctx.report(owner, `${xmlName(value.$type)} on ${type} is not executed here (${supported})`);
    } else if (uri === CAMUNDA_7) {
      ctx.report(owner, camunda7(`extension element <${value.$type}>${where}`, supported));
    } else {
      ctx.report(
        owner,
        `extension element <${value.$type}>${uri ? ` (namespace ${uri})` : ''}${where} is not executed here (${supported})`,
      );
    }
  }
  return accepted;
}

/** Why a property without a rule is refused: a reason of REFUSED_BECAUSE, or what is supported. */
function refusal(type: string, name: string): string {
  const known = REFUSED_BECAUSE[name];
  if (known) return known;
  return `supported on ${type.startsWith('zeebe:') ? xmlName(type) : type}: ${propertiesText(type)}`;
}

/** The properties of a rule, `bindingType="latest"` for those that take one value. */
function propertiesText(type: string): string {
  const names = Object.entries(RULES[type]?.properties ?? {}).map(([name, check]) =>
    check !== true && check.expected !== undefined ? `${name}="${String(check.expected)}"` : name,
  );
  return names.length === 0 ? 'nothing' : names.join(', ');
}

/** ` on zeebe:taskDefinition` when the element is not the one reported on. */
function on(element: ModdleElement, owner: ModdleElement): string {
  if (element === owner) return '';
  return ` on ${element.$type.startsWith('zeebe:') ? xmlName(element.$type) : element.$type}`;
}

/**
 * A property as written in the XML, and where: `zeebe:calledElement bindingType="deployment"`,
 * `startQuantity="2"`, `<bpmn:loopCardinality> on bpmn:MultiInstanceLoopCharacteristics`.
 */
function describe(
  element: ModdleElement,
  owner: ModdleElement,
  name: string,
  value: unknown,
): string {
  const property = descriptorOf(element)?.propertiesByName?.[name];
  const text = isElement(value) ? (value.id ?? '') : String(value);
  if (element.$type.startsWith('zeebe:')) return `${xmlName(element.$type)} ${name}="${text}"`;
  const where = on(element, owner);
  if (property?.isAttr || typeof value !== 'object') {
    const prefix = name === 'retryCounter' || name.startsWith('modeler') ? 'zeebe:' : '';
    return `attribute ${prefix}${name}="${text}"${where}`;
  }
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  const tag =
    property?.isMany && !property.isReference && isElement(first)
      ? xmlName(first.$type)
      : `bpmn:${property?.isMany && name.endsWith('s') ? name.slice(0, -1) : name}`;
  return `<${tag}>${where}`;
}

/**
 * Attributes in a namespace other than bpmn, zeebe and the modelers' metadata, on `element`
 * (reported on `owner`: the element itself, or the flow element it belongs to); `namespaces`:
 * the declarations in scope on the element.
 */
export function checkAttributes(
  element: ModdleElement,
  namespaces: ReadonlyMap<string, string>,
  ctx: CompileContext,
  owner: ModdleElement = element,
): void {
  const attributes = element.$attrs as Record<string, unknown> | undefined;
  const where = on(element, owner);
  for (const name of Object.keys(attributes ?? {})) {
    const [prefix, rest] = name.includes(':') ? name.split(':', 2) : ['', name];
    if (prefix === 'xmlns' || (prefix === '' && rest === 'xmlns')) continue;
    const uri = namespaces.get(prefix ?? '');
    // Unknown bpmn and zeebe attributes are reported by the parser already.
    if (uri === undefined || METADATA_NAMESPACES.has(uri) || EXECUTED_NAMESPACES.has(uri)) continue;
    const supported = supportedAttributes(element);
    if (uri === CAMUNDA_7) {
      ctx.report(owner, camunda7(`attribute ${name}${where}`, supported));
    } else {
      ctx.report(
        owner,
        `attribute ${name} (namespace ${uri})${where} is not executed here (${supported})`,
      );
    }
  }
}

/** What is supported on an element, for a message about a foreign attribute on it. */
function supportedAttributes(element: ModdleElement): string {
  const type = element.$type;
  if (type.startsWith('zeebe:')) return `supported on ${xmlName(type)}: ${propertiesText(type)}`;
  if (EXECUTED[type]) return `supported on ${type}: ${supportedText(type)}`;
  return 'only BPMN 2.0 and zeebe attributes are; modeler and colour attributes are ignored';
}

function camunda7(what: string, supported: string): string {
  return `this is a Camunda 7 model: ${what} is Camunda 7 and not executed here; Camunda 8 (zeebe) extensions are supported (${supported})`;
}

/** The declarations in scope on `element`: those of its parent's scope and its own. */
function inScope(
  element: ModdleElement,
  inherited: ReadonlyMap<string, string>,
): ReadonlyMap<string, string> {
  const own = namespacesOf(element);
  return own.size === 0 ? inherited : new Map([...inherited, ...own]);
}

/** The namespace declarations (prefix -> URI) on an element (the document's: on its root). */
export function namespacesOf(definitions: ModdleElement): Map<string, string> {
  const namespaces = new Map<string, string>();
  const attributes = definitions.$attrs as Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (name.startsWith('xmlns:') && typeof value === 'string') {
      namespaces.set(name.slice('xmlns:'.length), value);
    }
  }
  return namespaces;
}
