/** The parts of a form-js schema (`*.form`, JSON) the api reads. */
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

/** Whether a parsed JSON value looks like a form-js schema. */
export function isFormSchema(value: unknown): value is FormSchema {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { components?: unknown }).components)
  );
}

/**
 * The root variables a form shows: the first segment of each field's `key` (or a group's or
 * dynamic list's `path`) and of each `valuesKey` (options taken from a variable). What a
 * completion's reply may show a caller who reads only their own task.
 */
export function formVariableNames(schema: FormSchema): Set<string> {
  const names = new Set<string>();
  const visit = (components: readonly FormComponent[]) => {
    for (const component of components) {
      const valuesKey = component.valuesKey;
      if (typeof valuesKey === 'string' && valuesKey !== '') names.add(valuesKey.split('.')[0]);
      if (component.path) {
        names.add(component.path.split('.')[0]);
        continue;
      }
      if (component.components) visit(component.components);
      else if (component.key) names.add(component.key.split('.')[0]);
    }
  };
  visit(schema.components);
  return names;
}
