/**
 * The form-js (1.x) schema model shared by `cli lint`, the deployment and the api's form
 * validation: what a `*.form` file (JSON) may hold, and the checks a form passes before it
 * is deployed. Pure: no I/O.
 */
import type { ProcessGraph } from './model.js';
import { type BpmnProblem, problem } from './problems.js';

/** The parts of a form-js component the engine reads. */
export interface FormComponent {
  readonly type: string;
  readonly id?: string;
  readonly key?: string;
  /** Groups and dynamic lists: where their fields live in the data. */
  readonly path?: string;
  readonly label?: string;
  readonly validate?: {
    readonly required?: boolean;
    readonly min?: number;
    readonly max?: number;
    readonly minLength?: number;
    readonly maxLength?: number;
    readonly pattern?: string;
    readonly validationType?: string;
  };
  /** Static options of select / radio / checklist / taglist. */
  readonly values?: readonly { readonly label?: string; readonly value: unknown }[];
  readonly conditional?: { readonly hide?: string };
  readonly components?: readonly FormComponent[];
  /** Everything else form-js has (label, text, layout, …), which validation ignores. */
  readonly [other: string]: unknown;
}

export interface FormSchema {
  readonly id?: string;
  readonly type?: string;
  readonly components: readonly FormComponent[];
}

/** Components that edit a value: each needs a `key`, unique within the form. */
export const FORM_INPUT_TYPES: ReadonlySet<string> = new Set([
  'textfield',
  'textarea',
  'number',
  'checkbox',
  'checklist',
  'radio',
  'select',
  'taglist',
  'datetime',
  'expression',
  'filepicker',
]);

/** Components that hold other components (`components`), optionally under a `path`. */
export const FORM_CONTAINER_TYPES: ReadonlySet<string> = new Set(['group', 'dynamiclist']);

/** Components that only show something (no value). */
export const FORM_DISPLAY_TYPES: ReadonlySet<string> = new Set([
  'text',
  'html',
  'image',
  'table',
  'iframe',
  'separator',
  'spacer',
  'button',
  'documentPreview',
]);

/** Every component type the form-js 1.x viewer renders. */
export const FORM_COMPONENT_TYPES: ReadonlySet<string> = new Set([
  ...FORM_INPUT_TYPES,
  ...FORM_CONTAINER_TYPES,
  ...FORM_DISPLAY_TYPES,
]);

export interface FormLimits {
  /** The size of the form's JSON text in bytes. */
  readonly maxBytes: number;
  /** Components in the whole form (nested ones included). */
  readonly maxComponents: number;
}

export const DEFAULT_FORM_LIMITS: FormLimits = { maxBytes: 262_144, maxComponents: 500 };

/** How deep groups and dynamic lists may nest (form-js itself nests far less). */
const MAX_NESTING = 16;
/** A variable name, optionally a dotted path of them (`a.b`), as form-js keys and paths are. */
const VARIABLE_PATH = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;

/** Whether a parsed JSON value looks like a form-js schema. */
export function isFormSchema(value: unknown): value is FormSchema {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Array.isArray((value as { components?: unknown }).components)
  );
}

/**
 * What is wrong with a form (parsed JSON): one line per problem, each naming the component
 * (`components[2].components[0]` and its key or id); none means the form deploys. Checks: an
 * object with a `components` array; each component an object of a type the form-js 1.x viewer
 * renders; every input (textfield, number, select, …) has a `key` that is a variable name
 * (`a` or `a.b`), unique in the form with its group's `path`; a `path` is a variable name too;
 * the size and the number of components within `limits`.
 */
export function formProblems(value: unknown, limits: FormLimits = DEFAULT_FORM_LIMITS): string[] {
  const size = new TextEncoder().encode(JSON.stringify(value) ?? '').length;
  if (size > limits.maxBytes) {
    return [`the form is ${size} bytes; at most ${limits.maxBytes} are accepted`];
  }
  if (!isFormSchema(value)) return ['not a form-js schema: an object with a `components` array'];
  const problems: string[] = [];
  const keys = new Map<string, string>();
  let count = 0;
  const visit = (components: readonly unknown[], where: string, prefix: string, depth: number) => {
    if (depth > MAX_NESTING) {
      problems.push(`${where}: groups nest deeper than ${MAX_NESTING}`);
      return;
    }
    components.forEach((raw, index) => {
      count++;
      const at = `${where}[${index}]`;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        problems.push(`${at}: a component must be an object`);
        return;
      }
      const component = raw as Record<string, unknown>;
      const type = component.type;
      const name =
        typeof component.key === 'string'
          ? ` (key '${component.key}')`
          : typeof component.id === 'string'
            ? ` (id '${component.id}')`
            : '';
      if (typeof type !== 'string' || !FORM_COMPONENT_TYPES.has(type)) {
        problems.push(
          `${at}${name}: type ${JSON.stringify(type ?? null)} is not a form-js component (supported: ${[...FORM_COMPONENT_TYPES].join(', ')})`,
        );
        return;
      }
      if (FORM_INPUT_TYPES.has(type)) {
        const key = component.key;
        if (typeof key !== 'string' || !VARIABLE_PATH.test(key)) {
          problems.push(
            `${at}${name}: a ${type} needs a \`key\` that is a variable name (letters, digits, _; dotted for nesting)`,
          );
        } else {
          const full = prefix + key;
          const first = keys.get(full);
          if (first !== undefined)
            problems.push(`${at}${name}: key '${full}' is used by ${first} too`);
          else keys.set(full, at);
        }
      }
      let inner = prefix;
      if (component.path !== undefined && component.path !== '') {
        if (typeof component.path !== 'string' || !VARIABLE_PATH.test(component.path)) {
          problems.push(`${at}${name}: \`path\` must be a variable name (dotted for nesting)`);
        } else {
          inner = `${prefix}${component.path}.`;
        }
      }
      if (type === 'dynamiclist' && (typeof component.path !== 'string' || component.path === '')) {
        problems.push(`${at}${name}: a dynamiclist needs a \`path\``);
      }
      if (component.components !== undefined) {
        if (!Array.isArray(component.components)) {
          problems.push(`${at}${name}: \`components\` must be an array`);
        } else if (FORM_CONTAINER_TYPES.has(type)) {
          visit(component.components, `${at}.components`, inner, depth + 1);
        } else {
          problems.push(`${at}${name}: a ${type} holds no components (only group, dynamiclist)`);
        }
      }
    });
  };
  visit(value.components, 'components', '', 0);
  if (count > limits.maxComponents) {
    problems.unshift(
      `the form has ${count} components; at most ${limits.maxComponents} are accepted`,
    );
  }
  return problems;
}

/** The form a user task names (`zeebe:formDefinition formKey`, else `formId`), as tasks keep it. */
export function formReference(node: {
  readonly formId?: string | null;
  readonly formKey?: string | null;
}): string | null {
  return node.formKey ?? node.formId ?? null;
}

/** Every form the user tasks of a process name, with the first element that names it. */
export function formReferences(graph: ProcessGraph): { formId: string; elementId: string }[] {
  const found = new Map<string, string>();
  for (const node of Object.values(graph.nodes)) {
    if (node.kind !== 'userTask') continue;
    const formId = formReference(node);
    if (formId !== null && !found.has(formId)) found.set(formId, node.id);
  }
  return [...found].map(([formId, elementId]) => ({ formId, elementId }));
}

/**
 * The problems of the forms the processes' user tasks name, against the forms at hand (id →
 * parsed JSON): a named form that is absent (`missing` says where it was looked for) or not a
 * valid form-js schema is one problem on the first user task that names it.
 */
export function formReferenceProblems(
  graphs: readonly ProcessGraph[],
  forms: ReadonlyMap<string, unknown>,
  missing: string,
  limits: FormLimits = DEFAULT_FORM_LIMITS,
): BpmnProblem[] {
  const problems: BpmnProblem[] = [];
  const seen = new Set<string>();
  for (const graph of graphs) {
    for (const { formId, elementId } of formReferences(graph)) {
      if (seen.has(formId)) continue;
      seen.add(formId);
      if (!forms.has(formId)) {
        problems.push(
          problem(elementId, 'bpmn:UserTask', `form '${formId}' is missing: ${missing}`),
        );
        continue;
      }
      for (const line of formProblems(forms.get(formId), limits)) {
        problems.push(problem(elementId, 'bpmn:UserTask', `form '${formId}': ${line}`));
      }
    }
  }
  return problems;
}
