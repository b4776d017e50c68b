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
