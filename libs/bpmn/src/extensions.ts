import type { CompileContext } from './compile-context.js';
import { extensionValues } from './compile-context.js';
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
};
const ANYWHERE = ['zeebe:Properties'];

/** `zeebe:TaskSchedule` -> `zeebe:taskSchedule`, as written in the XML. */
function xmlName(type: string): string {
  const [prefix, local = ''] = type.split(':');
  return `${prefix}:${local.charAt(0).toLowerCase()}${local.slice(1)}`;
}

function supportedText(type: string): string {
  return [...(EXECUTED[type] ?? []), ...ANYWHERE].map(xmlName).join(', ');
}

/**
 * Reports every extension element and every attribute of `element` that the engine would not
 * execute (see EXECUTED); `namespaces` maps the document's prefixes to their URIs.
 */
export function checkExtensions(
  element: ModdleElement,
  namespaces: ReadonlyMap<string, string>,
  ctx: CompileContext,
): void {
  const type = element.$type;
  const allowed = new Set([...(EXECUTED[type] ?? []), ...ANYWHERE]);
  const supported = `supported on ${type}: ${supportedText(type)}`;
  for (const value of extensionValues(element)) {
    const descriptor = value.$descriptor as { ns?: { prefix?: string; uri?: string } } | undefined;
    const uri = descriptor?.ns?.uri;
    if (value.$type.startsWith('zeebe:') && uri === undefined) {
      if (allowed.has(value.$type)) continue;
      ctx.report(element, `${xmlName(value.$type)} on ${type} is not executed here (${supported})`);
    } else if (uri === CAMUNDA_7) {
      ctx.report(element, camunda7(`extension element <${value.$type}>`, supported));
    } else {
      ctx.report(
        element,
        `extension element <${value.$type}>${uri ? ` (namespace ${uri})` : ''} is not executed here (${supported})`,
      );
    }
  }
  checkAttributes(element, namespaces, ctx);
  const called = ctx.extension(element, 'zeebe:CalledElement');
  const binding = ctx.attr(called, 'bindingType');
  if (binding !== null && binding !== 'latest') {
    ctx.report(
      element,
      `zeebe:calledElement bindingType="${binding}" is not executed here (a call activity always starts the latest deployed version)`,
    );
  }
}

/** Attributes in a namespace other than bpmn, zeebe and the modelers' metadata. */
export function checkAttributes(
  element: ModdleElement,
  namespaces: ReadonlyMap<string, string>,
  ctx: CompileContext,
): void {
  const attributes = element.$attrs as Record<string, unknown> | undefined;
  const local = namespacesOf(element);
  for (const name of Object.keys(attributes ?? {})) {
    const [prefix, rest] = name.includes(':') ? name.split(':', 2) : ['', name];
    if (prefix === 'xmlns' || (prefix === '' && rest === 'xmlns')) continue;
    const uri = local.get(prefix ?? '') ?? namespaces.get(prefix ?? '');
    // Unknown bpmn and zeebe attributes are reported by the parser already.
    if (uri === undefined || METADATA_NAMESPACES.has(uri) || EXECUTED_NAMESPACES.has(uri)) continue;
    if (uri === CAMUNDA_7) {
      ctx.report(
        element,
        camunda7(
          `attribute ${name}`,
          `supported on ${element.$type}: ${supportedText(element.$type)}`,
        ),
      );
    } else {
      ctx.report(
        element,
        `attribute ${name} (namespace ${uri}) is not executed here (only BPMN 2.0 and zeebe attributes are; modeler and colour attributes are ignored)`,
      );
    }
  }
}

function camunda7(what: string, supported: string): string {
  return `this is a Camunda 7 model: ${what} is Camunda 7 and not executed here; Camunda 8 (zeebe) extensions are supported (${supported})`;
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
